using Pipeline.Text;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// One input of the parity check: the largest |ours − ONNX Runtime| of the last hidden state over real tokens
/// (the verdict) and, for information, over padding positions (NaN when nothing is padded).
/// </summary>
public sealed record ParityCase(string Name, long BatchSize, long Length, int PaddedExamples, double MaxAbsDiff, double PaddingMaxAbsDiff);

public sealed record ParityReport(string Model, IReadOnlyList<ParityCase> Cases)
{
    public double MaxAbsDiff => Cases.Max(c => c.MaxAbsDiff);
    public bool Passed(double tolerance = OnnxParity.Tolerance) => MaxAbsDiff <= tolerance;
}

/// <summary>
/// The proof of a port: our encoder and the original ONNX graph (under ONNX Runtime) on the same inputs —
/// padded single sentences, padded sentence pairs (token types 0/1) and a long input beside a short one —
/// must give the same last hidden state at every real token within <see cref="Tolerance"/>. Padding is in
/// every batch, so a masking error would move the real tokens; the outputs *at* padding positions are
/// reported but not judged: nothing downstream reads them, and they are ill-conditioned (for MiniLM both
/// ONNX Runtime and our float32 pass differ from a float64 pass by up to ~4e-5 there, against ~2e-6 on
/// real tokens), so judging them would test float rounding, not the port.
/// </summary>
public static class OnnxParity
{
    /// <summary>float32 through 6 layers: ≈ 1e-6 is typical; 1e-4 leaves room for kernel differences, not for a wrong weight.</summary>
    public const double Tolerance = 1e-4;

    public static IReadOnlyList<string> Sentences { get; } =
    [
        "A man is playing a guitar.",
        "The quick brown fox jumps over the lazy dog while the farmer's children watch from the old wooden fence.",
        "Héllo, WORLD! Accents, CAPITALS & punctuation; 42 numbers?",
        "LoRA adapters are small.",
        "x",
    ];

    public static IReadOnlyList<(string First, string Second)> Pairs { get; } =
    [
        ("A man is playing a guitar.", "A person plays the guitar."),
        ("Where is the train station?", "The station is two streets north of the market, next to the post office."),
        ("Dropout regularises training.", "It does."),
    ];

    public static ParityReport Run(string model, Backbone encoder, EncoderTokenizer tokenizer, OnnxReference reference)
    {
        bool training = encoder.training;
        encoder.eval();
        try
        {
            string longText = string.Join(" ", Enumerable.Repeat("Every sentence here adds a few more tokens to the input.", 20));
            return new ParityReport(model,
            [
                Compare("single sentences", () => tokenizer.Batch(Sentences), encoder, reference),
                Compare("sentence pairs", () => tokenizer.Batch([.. Pairs.Select(p => p.First)], [.. Pairs.Select(p => p.Second)]), encoder, reference),
                Compare("long + short", () => tokenizer.Batch([longText, "Short."], maxLength: 256), encoder, reference),
            ]);
        }
        finally
        {
            if (training) encoder.train();
        }
    }

    static ParityCase Compare(string name, Func<EncoderBatch> input, Backbone encoder, OnnxReference reference)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batch = input();
        var ours = encoder.Forward(batch.To(encoder.parameters().First().device)).cpu();
        var theirs = reference.LastHiddenState(batch);
        if (!ours.shape.SequenceEqual(theirs.shape))
            throw new InvalidDataException($"{name}: our last hidden state is [{string.Join(", ", ours.shape)}], ONNX Runtime's [{string.Join(", ", theirs.shape)}]");
        var diff = (ours - theirs).abs().amax(-1);   // [B, L]
        var real = batch.AttentionMask.to(ScalarType.Bool);
        double onReal = diff.masked_select(real).max().item<float>();
        var atPadding = diff.masked_select(real.logical_not());
        double onPadding = atPadding.numel() == 0 ? double.NaN : atPadding.max().item<float>();
        int padded = (int)real.logical_not().any(1).sum().item<long>();
        return new ParityCase(name, batch.BatchSize, batch.Length, padded, onReal, onPadding);
    }
}
