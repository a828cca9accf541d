using Pipeline.Data;

namespace Pipeline.Tests.Data;

/// <summary>The data-to-text prompt layout and the evaluation subset a text target may carry.</summary>
public class DataToTextTests
{
    [Fact]
    public void A_prompt_is_the_meaning_representation_and_the_cue_and_strips_back_to_it()
    {
        string prompt = DataToText.Prompt("name[Aromi], food[Chinese]");
        Assert.Equal("name[Aromi], food[Chinese]\nText:", prompt);
        Assert.Equal("name[Aromi], food[Chinese]", DataToText.MeaningRepresentation(prompt));
        // A prompt_target file's prompt has no cue: it is its own meaning representation.
        Assert.Equal("long description\nSummary:", DataToText.MeaningRepresentation("long description\nSummary:"));
    }

    [Fact]
    public void A_target_has_one_leading_space_as_a_byte_level_bpe_spells_a_word_after_a_colon()
    {
        Assert.Equal(" Aromi serves Chinese food.", DataToText.Target("Aromi serves Chinese food."));
        Assert.Equal(" Aromi.", DataToText.Target("  Aromi.\n"));
    }

    [Fact]
    public void Without_a_subset_the_canonical_form_is_the_references_alone_so_recorded_data_hashes_hold()
    {
        var target = new TextTarget(" a", [" a", " \"b\" é"]);
        Assert.Null(target.Subset);
        Assert.Equal("[\" a\",\" \\\"b\\\" é\"]", target.Canonical);
        // The documented canonical form (docs/data.md, "Data hash"), computed in Python: the hash as before subsets existed.
        Assert.Equal("99d08721bc672d39073775f703fd225a79766a9bdeb3c9c5fcd73f200abbd6d9", DataHasher.Compute([], [new("p", null, target)], [], []));
    }

    [Fact]
    public void A_subset_is_part_of_the_canonical_form_and_so_of_the_data_hash()
    {
        var plain = new TextTarget(" a", [" a"]);
        var seen = plain with { Subset = TextTarget.Seen };
        Assert.Equal("{\"references\":[\" a\"],\"subset\":\"seen\"}", seen.Canonical);
        Assert.NotEqual(plain, seen);
        Assert.NotEqual(DataHasher.Compute([], [new("p", null, plain)], [], []), DataHasher.Compute([], [new("p", null, seen)], [], []));
        Assert.NotEqual(DataHasher.Compute([], [new("p", null, seen)], [], []),
            DataHasher.Compute([], [new("p", null, plain with { Subset = TextTarget.Unseen })], [], []));
    }

    [Fact]
    public void The_generation_encoder_passes_the_subset_through()
    {
        var row = new RawExample("f.xml", 3, "p", null, " t", "p") { References = [" t", " u"], Subset = TextTarget.Unseen };
        var target = Assert.IsType<TextTarget>(LabelEncoder.ForGeneration().Encode(row).Target);
        Assert.Equal((" t", TextTarget.Unseen), (target.Text, target.Subset));
        Assert.Equal([" t", " u"], target.References);
        Assert.Null(Assert.IsType<TextTarget>(LabelEncoder.ForGeneration().Encode(row with { Subset = null }).Target).Subset);
    }
}
