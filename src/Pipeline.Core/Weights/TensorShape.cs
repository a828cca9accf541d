namespace Pipeline.Weights;

/// <summary>Shapes in messages and sizes.</summary>
public static class TensorShape
{
    public static long NumberOfElements(long[] shape) => shape.Aggregate(1L, (n, d) => checked(n * d));

    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
