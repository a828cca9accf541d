namespace Pipeline.Data;

/// <summary>
/// The one prompt → target layout of the data-to-text sets (<c>pkmn-moves</c>, <c>e2e_csv</c>, <c>webnlg_xml</c>):
/// the meaning representation (MR) followed by a cue, and each text with a leading space, as a GPT-2-style
/// byte-level BPE spells a word after a colon (the layout of <see cref="BuiltIn.DebianSynopses"/>, with another cue).
/// </summary>
public static class DataToText
{
    /// <summary>What ends every prompt: the cue that the text comes next.</summary>
    public const string Cue = "\nText:";

    /// <summary>The prompt for a meaning representation: <c>mr + "\nText:"</c>.</summary>
    public static string Prompt(string mr) => mr + Cue;

    /// <summary>A target or reference text: one leading space, then the text without surrounding white space.</summary>
    public static string Target(string text) => " " + text.Trim();

    /// <summary>
    /// The meaning representation a <see cref="Prompt"/> was made from (the cue stripped), e.g. for a copy-the-input
    /// baseline. A prompt without the cue (a <c>prompt_target</c> file's) is its own meaning representation.
    /// </summary>
    public static string MeaningRepresentation(string prompt) =>
        prompt.EndsWith(Cue, StringComparison.Ordinal) ? prompt[..^Cue.Length] : prompt;
}
