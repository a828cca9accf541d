namespace Pipeline.Data;

/// <summary>What the model predicts, which fixes the head, the loss and the default metric.</summary>
public enum TaskKind
{
    /// <summary>One text → one class (SST-2, CoLA, MR polarity).</summary>
    SingleSentence,

    /// <summary>Two texts encoded together → one class (MRPC, RTE, QNLI).</summary>
    SentencePair,

    /// <summary>One or two texts → one real number (STS-B).</summary>
    Regression,

    /// <summary>A prompt → a text to generate (E2E, WebNLG): a causal language model learns the target tokens.</summary>
    Generation,
}
