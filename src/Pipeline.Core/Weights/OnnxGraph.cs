using Onnx;

namespace Pipeline.Weights;

/// <summary>
/// Indexes an ONNX graph for the walks the importer makes: constants by name (initializers and Constant
/// nodes alike, since exporters use either), the node producing a value, and the nodes consuming it.
/// </summary>
sealed class OnnxGraph
{
    readonly Dictionary<string, NodeProto> producers = new(StringComparer.Ordinal);
    readonly ILookup<string, NodeProto> consumers;

    public OnnxGraph(GraphProto graph, string source)
    {
        Graph = graph;
        Source = source;
        foreach (var initializer in graph.Initializer)
        {
            if (!Initializers.TryAdd(initializer.Name, initializer))
                throw new InvalidDataException($"{source}: two initializers are named '{initializer.Name}'");
        }
        foreach (var node in graph.Node)
            foreach (string output in node.Output)
                producers.TryAdd(output, node);
        consumers = graph.Node.SelectMany(n => n.Input.Distinct().Select(input => (input, n))).ToLookup(p => p.input, p => p.n, StringComparer.Ordinal);
    }

    public GraphProto Graph { get; }
    public string Source { get; }
    public Dictionary<string, TensorProto> Initializers { get; } = new(StringComparer.Ordinal);

    public NodeProto? Producer(string value) => producers.GetValueOrDefault(value);

    public IEnumerable<NodeProto> Consumers(string value) => consumers[value];

    /// <summary>A constant value: an initializer, or the <c>value</c> of a Constant node.</summary>
    public TensorProto? Constant(string value)
    {
        if (Initializers.TryGetValue(value, out var initializer)) return initializer;
        var node = Producer(value);
        return node is { OpType: "Constant" } ? node.Attribute.FirstOrDefault(a => a.Name == "value")?.T : null;
    }

    public static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;
}
