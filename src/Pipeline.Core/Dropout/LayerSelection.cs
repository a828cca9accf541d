using Pipeline.Vocabulary;

namespace Pipeline.Dropout;

/// <summary>Which transformer layers a per-layer dropout acts in.</summary>
public abstract record LayerSelection
{
    /// <summary>
    /// Not written: the model's own default (<see cref="Models.ModelFamily.DefaultDropLayers"/>), every layer for
    /// encoders and the latter half for decoders, as the paper does. Written <c>layers: all</c> overrides it.
    /// </summary>
    public static LayerSelection Default { get; } = new DefaultLayers();

    /// <summary>Every layer (the paper's setting for encoders).</summary>
    public static LayerSelection All { get; } = new AllLayers();

    /// <summary>Layers ≥ L/2 (the paper's setting for decoder-only models, appendix).</summary>
    public static LayerSelection LatterHalf { get; } = new LatterHalfLayers();

    /// <summary>An explicit list of 0-based layer indices.</summary>
    public static LayerSelection Of(params int[] layers) => new ListedLayers(layers);

    public bool Contains(int layer, int layerCount) => ToLayerSet().Contains(layer, layerCount);

    /// <summary>This selection, or <paramref name="modelDefault"/> where it is <see cref="Default"/>.</summary>
    public LayerSelection Resolve(LayerSelection modelDefault) => this is DefaultLayers ? modelDefault : this;

    /// <summary>The rules judge an unwritten selection like every layer (the widest it can resolve to).</summary>
    sealed record DefaultLayers : LayerSelection
    {
        internal override LayerSet ToLayerSet() => LayerSet.All;
        public override string ToString() => "default";
    }

    /// <summary>The selection as DropRules sees it (which also defines what each selection contains).</summary>
    internal abstract LayerSet ToLayerSet();

    sealed record AllLayers : LayerSelection
    {
        internal override LayerSet ToLayerSet() => LayerSet.All;
        public override string ToString() => LayerSet.AllName;
    }

    sealed record LatterHalfLayers : LayerSelection
    {
        internal override LayerSet ToLayerSet() => LayerSet.LatterHalf;
        public override string ToString() => LayerSet.LatterHalfName;
    }

    public sealed record ListedLayers(IReadOnlyList<int> Layers) : LayerSelection
    {
        internal override LayerSet ToLayerSet() => LayerSet.Of(Layers);
        public override string ToString() => "[" + string.Join(", ", Layers) + "]";
        public bool Equals(ListedLayers? other) => other is not null && Layers.SequenceEqual(other.Layers);
        public override int GetHashCode() => Layers.Aggregate(17, (h, l) => h * 31 + l);
    }
}
