using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Onnx;
using Pipeline.Engine;
using Pipeline.Training;
using Pipeline.Weights;
using TorchSharp;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Pipeline.Tests.Weights;

/// <summary>The untrusted-file guarantees the fuzz test cannot be sure to hit, each written out once (docs/models.md, Untrusted files).</summary>
public class UntrustedFileTests
{
    static string Safetensors(TestPaths.TempDir dir, string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        string path = dir.File("model.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, "belong to no tensor")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "cover 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "not valid safetensors JSON")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}""", 4, "impossible shape")]
    [InlineData("""{"__metadata__":{"shape":[1]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "__metadata__")]
    public void A_safetensors_header_that_does_not_tile_its_data_exactly_is_refused(string header, int dataBytes, string reason)
    {
        using var dir = new TestPaths.TempDir();
        string path = Safetensors(dir, header, dataBytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Load(path));
        Assert.StartsWith($"{path}: not a readable safetensors file", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void An_adapter_file_whose_tensor_claims_more_data_than_the_file_holds_is_refused_before_allocating()
    {
        TorchRuntime.Initialize();
        using var dir = new TestPaths.TempDir();
        string path = dir.File("adapter.bin");
        using (var stream = File.Create(path))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(1);
            writer.Write("lora_A.weight");
            writer.Write((byte)ScalarType.Float32);
            writer.Write((byte)2);
            foreach (long dimension in new[] { 1L << 20, 1L << 20 })   // 4 TiB of float32
                for (ulong v = (ulong)dimension; ; v >>= 7) { writer.Write((byte)(v < 0x80 ? v : (v & 0x7F) | 0x80)); if (v < 0x80) break; }
            writer.Write(new byte[16]);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoints.LoadWeights(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Equal($"{path}: not a readable TorchSharp tensor file: tensor 'lora_A.weight' [1048576, 1048576] Float32 needs 4398046511104 bytes of data, " +
            "the file holds 16 more (truncated file?)", e.Message);
    }

    [Fact]
    public void A_checkpoint_pointer_outside_the_run_folder_is_refused()
    {
        TorchRuntime.Initialize();
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("latest"), "../../etc");
        using var model = nn.Linear(2, 2);
        using var optimizer = new FlatAdamW(model.parameters());
        var e = Assert.Throws<InvalidDataException>(() => new Checkpoints(dir.Path).TryLoad(model, optimizer));
        Assert.StartsWith($"{dir.File("latest")}: '../../etc' is not a checkpoint folder name", e.Message);
    }

    [Fact]
    public void An_onnx_tensor_whose_shape_outgrows_its_data_is_refused_before_allocating()
    {
        var proto = new TensorProto { Name = "encoder.layer.0.attention.self.query.bias", DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(new byte[8]) };
        proto.Dims.Add(1L << 40);
        var e = Assert.Throws<InvalidDataException>(() => OnnxTensors.ToFloat32(proto, "test.onnx"));
        Assert.Equal("test.onnx: tensor 'encoder.layer.0.attention.self.query.bias' [1099511627776] needs 4398046511104 bytes, the model holds 8: " +
            "the file is damaged or truncated", e.Message);
    }
}
