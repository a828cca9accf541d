namespace Pipeline.Tests.Metrics.Nlg;

/// <summary>
/// Twelve E2E-style hypotheses with 1–4 references each, written for these tests: a one-token "." (empty once
/// punctuation goes), a one-word answer, repeated n-grams, numbers and £ prices, upper case, quotes and
/// contractions, brackets, a hypothesis longer than all its references, and one without a final period.
/// </summary>
static class NlgTestData
{
    public static readonly string[] Hypotheses =
    [
        "The Eagle is a cheap coffee shop near Burger King.",
        ".",
        "Yes",
        "Zizzi is a pub pub pub pub with a rating of 5 out of 5, and it's family-friendly.",
        "Cotto serves Italian food in the £20-25 price range; it is near The Portland Arms (in the city centre).",
        "THE PUNTER IS A RESTAURANT.",
        "Fitzbillies, a coffee shop, offers French food at 3.50 pounds and high prices, located riverside, not kid friendly, rated 1 out of 5 by customers who visited it recently in 2016.",
        "\"Green Man\" doesn't serve fast food... it isn't cheap!",
        "Aromi is a coffee shop coffee shop coffee shop.",
        "The Mill pub near Café Rouge has a customer rating of 3 out of 5 and prices of £20-£25.",
        "Browns Cambridge is an adult-only restaurant that serves Japanese food near the river.",
        "Loch Fyne serves seafood",
    ];

    public static readonly IReadOnlyList<string>[] References =
    [
        ["The Eagle is a low-priced coffee shop near Burger King.", "Near Burger King there is a cheap coffee shop called The Eagle."],
        ["The end.", "Goodbye."],
        ["Yes, it is.", "No.", "Maybe so.", "I don't know."],
        ["Zizzi is a family-friendly pub with a 5 out of 5 rating.", "Zizzi, a pub, is rated 5 out of 5 and is family-friendly.",
         "The pub Zizzi is family friendly with a customer rating of 5 out of 5."],
        ["Cotto is an Italian restaurant near The Portland Arms in the city centre, with prices of £20-25."],
        ["The Punter is a restaurant.", "the punter is a restaurant ."],
        ["Fitzbillies is a riverside coffee shop serving expensive French food; it is not child friendly and has a 1 out of 5 rating.",
         "Fitzbillies, a French coffee shop by the river, is expensive, rated 1 out of 5 and not kid friendly."],
        ["Green Man doesn't serve cheap fast food.", "\"Green Man\" isn't a cheap fast-food place.",
         "The Green Man is not cheap and does not serve fast food.", "Green Man: no fast food, not cheap."],
        ["Aromi is a coffee shop.", "The coffee shop Aromi."],
        ["The Mill is a pub near Café Rouge with a customer rating of 3 out of 5 and a price range of £20-25.",
         "The Mill pub, near Café Rouge, costs £20-25 and is rated 3 out of 5."],
        ["Browns Cambridge is an adults-only Japanese restaurant by the riverside."],
        ["Loch Fyne is a seafood restaurant.", "Loch Fyne serves seafood."],
    ];

    /// <summary>e2e-metrics' plain-text files of the same data: hypotheses one a line; reference blocks separated by a blank line.</summary>
    public static void WriteFiles(string hypothesisPath, string referencePath)
    {
        File.WriteAllLines(hypothesisPath, Hypotheses);
        File.WriteAllText(referencePath, string.Join("\n\n", References.Select(r => string.Join("\n", r))) + "\n");
    }
}
