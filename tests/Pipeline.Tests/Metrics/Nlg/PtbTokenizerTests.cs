using Pipeline.Metrics.Nlg;

namespace Pipeline.Tests.Metrics.Nlg;

/// <summary>
/// <see cref="PtbTokenizer"/> (an independent implementation of the PTB conventions) against the real tokenizer:
/// each expected line is what the Stanford PTBTokenizer of CoreNLP v3.4.1 (compiled from stanfordnlp/CoreNLP's tag
/// v3.4.1) printed for the input lines below, written for these tests, run as e2e-metrics runs it
/// (-preserveLines -lowerCase, one file). Every line matches; the tokenizer's summary lists where it is known to
/// differ on inputs not recorded here.
/// </summary>
public class PtbTokenizerTests
{
    static readonly string[][] Lines =
    [
        ["The Eagle, a coffee shop (near Burger King), isn't cheap: £20-25. \"Great\" food... 3.5 stars, colour",
         "the eagle , a coffee shop -lrb- near burger king -rrb- , is n't cheap : # 20-25 . `` great '' food ... 3.5 stars , colour"],
        ["Second line -- here.",
         "second line -- here ."],
        ["It's a 5-star restaurant; they're open 'til 10 p.m. and don't take U.S. dollars — only €.",
         "it 's a 5-star restaurant ; they 're open 'til 10 p.m. and do n't take u.s. dollars -- only $ ."],
        ["Mr. Smith's place (The Mill) is at 12/05/2018, price range £20–25 & rated 3 out of 5!!",
         "mr. smith 's place -lrb- the mill -rrb- is at 12/05/2018 , price range # 20 -- 25 & rated 3 out of 5 !!"],
        ["Cotto, which is near The Portland Arms, serves Chinese food in the £20-£25 price range?",
         "cotto , which is near the portland arms , serves chinese food in the # 20 - # 25 price range ?"],
        ["\"Quoted 'inner' text,\" she said; 'single quotes' too. I'm, you've, we'll, he'd.",
         "`` quoted ` inner ' text , '' she said ; ` single quotes ' too . i 'm , you 've , we 'll , he 'd ."],
        ["Visit www.example.com or http://example.org/path?x=1, mail me@example.com.",
         "visit www.example.com or http://example.org/path?x=1 , mail me@example.com ."],
        ["Prices: $5, US$10, 1,000,000 people, 3/4 cup, ½ price, 10% off, A&W, AT&T, R&B.",
         "prices : $ 5 , us$ 10 , 1,000,000 people , 3/4 cup , 1/2 price , 10 % off , a&w , at&t , r&b ."],
        ["The Inc. The co. Ltd. Jan. 5th etc. and so on, e.g. i.e. Ph.D. Dr. Who St. Louis.",
         "the inc. . the co. ltd. . jan. 5th etc. and so on , e.g. i.e. ph.d. . dr. who st. louis ."],
        ["cannot gonna wanna gotta 'twas 'tis can't won't shouldn't ain't y'all o'clock O'Brien rock'n'roll",
         "can not gon na wan na got ta 't was 't is ca n't wo n't should n't ai n't y' all o'clock o'brien rock 'n' roll"],
        ["Hyphen-ated, multi-word-thing, co-operate, anti-war, pro-life, 1990s '90s",
         "hyphen-ated , multi-word-thing , co-operate , anti-war , pro-life , 1990s '90s"],
        ["Brackets [x] {y} <z> and smileys :) ;-) and stars *** and ### and ___ and .... and . . .",
         "brackets -lsb- x -rsb- -lcb- y -rcb- <z> and smileys :-rrb- ;--rrb- and stars *** and ### and ___ and ... and ..."],
        ["Zizzi is a family-friendly pub-style restaurant with a 1 out of 5 customer rating.",
         "zizzi is a family-friendly pub-style restaurant with a 1 out of 5 customer rating ."],
        ["EMPTY!",
         "empty !"],
        ["...",
         "..."],
        [" Leading   and trailing spaces   ",
         "leading and trailing spaces"],
        ["Café Rouge, naïve façade, Müller – résumé.",
         "café rouge , naïve façade , müller -- résumé ."],
        ["This line ends with U.S.",
         "this line ends with u.s. ."],
        ["The next line starts with The.",
         "the next line starts with the ."],
    ];

    [Fact]
    public void Tokens_equal_the_Stanford_PTBTokenizer_3_4_1_lower_cased()
    {
        var tokens = PtbTokenizer.TokenizeLines([.. Lines.Select(l => l[0])]);
        Assert.Equal(Lines.Length, tokens.Count);
        for (int i = 0; i < Lines.Length; i++) Assert.Equal(Lines[i][1], string.Join(' ', tokens[i]));
    }

    [Fact]
    public void A_line_sees_the_next_line_as_the_joined_file_does()
    {
        // "U.S." before a line starting with "The" is a sentence end: the acronym, then its period again.
        Assert.Equal(["ends in u.s. .", "the end ."], PtbTokenizer.TokenizeLines(["Ends in U.S.", "The end."]).Select(t => string.Join(' ', t)));
        Assert.Equal(["ends in u.s.", "and more ."], PtbTokenizer.TokenizeLines(["Ends in U.S.", "and more."]).Select(t => string.Join(' ', t)));
    }

    [Fact]
    public void Coco_tokens_drop_punctuation_but_keep_the_lower_cased_brackets_as_pycocoevalcap_does()
    {
        Assert.Equal(["the eagle -lrb- near burger king -rrb- is n't cheap # 20-25", ""],
            CocoTokenizer.Tokenize(["The Eagle (near Burger King), isn't cheap: £20-25...", "."]));
    }
}
