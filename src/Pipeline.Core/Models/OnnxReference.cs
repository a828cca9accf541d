using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// The original ONNX graph run by ONNX Runtime: the independent reference our TorchSharp port is checked
/// against (same input → same last hidden state). Runs on the CPU, from the bytes in memory.
/// </summary>
public sealed class OnnxReference : IDisposable
{
    const string Output = "last_hidden_state";
    readonly InferenceSession session;
    readonly string source;

    public OnnxReference(byte[] onnx, string source)
    {
        this.source = source;
        try
        {
            session = new InferenceSession(onnx);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{source}: ONNX Runtime cannot load the model ({e.Message})", e);
        }
        if (!session.OutputMetadata.ContainsKey(Output))
            throw new InvalidDataException($"{source}: the graph has no output '{Output}' (it has {string.Join(", ", session.OutputMetadata.Keys)})");
    }

    /// <summary>The graph's last hidden state [B, L, D] for <paramref name="batch"/>, as a float32 CPU tensor.</summary>
    public Tensor LastHiddenState(EncoderBatch batch)
    {
        using var scope = NewDisposeScope();
        var available = new Dictionary<string, Tensor?>
        {
            ["input_ids"] = batch.InputIds,
            ["attention_mask"] = batch.AttentionMask,
            ["token_type_ids"] = batch.TokenTypeIds ?? zeros_like(batch.InputIds),
        };
        var names = session.InputMetadata.Keys.ToList();
        var values = new List<OrtValue>();
        try
        {
            foreach (string name in names)
            {
                var input = available.GetValueOrDefault(name) ?? throw new InvalidDataException($"{source}: unknown graph input '{name}'");
                values.Add(OrtValue.CreateTensorValueFromMemory(input.cpu().to(ScalarType.Int64).data<long>().ToArray(), input.shape));
            }
            using var options = new RunOptions();
            using var outputs = session.Run(options, names, values, [Output]);
            var output = outputs[0];
            long[] shape = output.GetTensorTypeAndShape().Shape;
            return tensor(output.GetTensorDataAsSpan<float>().ToArray(), shape).MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    public void Dispose() => session.Dispose();
}
