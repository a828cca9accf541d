namespace Pipeline.Dropout;

/// <summary>Which transformer layers a per-layer dropout acts in.</summary>
public abstract record LayerSelection
{
    /// <summary>Every layer (the paper's setting for encoders).</summary>
    public static LayerSelection All { get; } = new AllLayers();

    /// <summary>Layers ≥ L/2 (the paper's setting for decoder-only models, appendix).</summary>
    public static LayerSelection LatterHalf { get; } = new LatterHalfLayers();

    /// <summary>An explicit list of 0-based layer indices.</summary>
    public static LayerSelection Of(params int[] layers) => new ListedLayers(layers);

    public abstract bool Contains(int layer, int layerCount);

    sealed record AllLayers : LayerSelection
    {
        public override bool Contains(int layer, int layerCount) => true;
        public override string ToString() => "all";
    }

    sealed record LatterHalfLayers : LayerSelection
    {
        public override bool Contains(int layer, int layerCount) => layer >= layerCount / 2;
        public override string ToString() => "latter_half";
    }

    public sealed record ListedLayers(IReadOnlyList<int> Layers) : LayerSelection
    {
        public override bool Contains(int layer, int layerCount) => Layers.Contains(layer);
        public override string ToString() => "[" + string.Join(", ", Layers) + "]";
        public bool Equals(ListedLayers? other) => other is not null && Layers.SequenceEqual(other.Layers);
        public override int GetHashCode() => Layers.Aggregate(17, (h, l) => h * 31 + l);
    }
}
