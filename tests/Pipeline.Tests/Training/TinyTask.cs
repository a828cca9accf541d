using Pipeline.Data;
using Pipeline.Tasks;
using Pipeline.Text;
using Pipeline.Training;

namespace Pipeline.Tests.Training;

/// <summary>A small learnable task written by the tests: is token 7 in the sequence?</summary>
static class TinyTask
{
    public static EncodedSplit Split(int count, int seed)
    {
        var random = new Random(seed);
        var examples = new List<EncodedExample>();
        for (int i = 0; i < count; i++)
        {
            int length = random.Next(4, 11);
            var ids = Enumerable.Range(0, length).Select(_ => random.Next(8, 60)).ToArray();
            ids[0] = 1; // a [CLS]-like first token
            bool positive = i % 2 == 0;
            if (positive) ids[random.Next(1, length)] = 7;
            examples.Add(new EncodedExample(new TokenizedText(ids, new int[length]), new ClassTarget(positive ? 1 : 0)));
        }
        return new EncodedSplit(examples);
    }

    /// <summary>Binary classification scored by accuracy, as the trainer's tests choose the best evaluation.</summary>
    public static ClassificationTask Task { get; } = new(["no 7", "has 7"]);
}
