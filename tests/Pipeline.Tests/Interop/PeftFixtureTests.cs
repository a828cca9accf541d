using System.Text.Json.Nodes;
using Pipeline.Interop;
using Pipeline.Models;
using Pipeline.Tests.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Interop;

/// <summary>
/// Adapters PEFT itself trained and saved: Fixtures/peft-bert and Fixtures/peft-roberta, written by
/// scripts/reference/peft_fixture.py on a host with transformers + PEFT (base/: the random base model's save_pretrained;
/// adapter/: PeftModel.save_pretrained; reference.json: inputs and PEFT's logits); committed from PEFT 0.21.0 / transformers 5.17.0.
/// Where the folders are absent (a checkout that removed them) the tests skip, saying so.
/// </summary>
public class PeftFixtureTests
{
    [SkippableTheory]
    [InlineData("peft-bert")]
    [InlineData("peft-roberta")]
    public void A_PEFT_adapter_saved_by_PEFT_imports_to_PEFTs_logits_within_1e_5(string fixture)
    {
        string directory = Path.Combine(TestPaths.Metadata("RepoRoot"), "tests", "Pipeline.Tests", "Fixtures", fixture);
        Skip.If(!Directory.Exists(directory),
            $"{directory} is absent: run `python3 scripts/reference/peft_fixture.py tests/Pipeline.Tests/Fixtures` on a host with transformers + PEFT (scripts/gpu/acceptance.sh does) and commit it");
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "reference.json")))!;
        using var pretrained = ModelCatalog.Load(Path.Combine(directory, "base"));
        using var adapter = PeftAdapter.Read(Path.Combine(directory, "adapter"), pretrained.Config);
        int labels = (int)reference["num_labels"]!;
        using var model = pretrained.CreateTaskModel(InteropModels.Classes(labels), adapter.Head, adapter.Pooling, adapter.Options);
        adapter.LoadInto(model);
        model.eval();

        long[][] Rows(string key) => reference[key]!.AsArray().Select(r => r!.AsArray().Select(v => (long)v!).ToArray()).ToArray();
        Tensor Matrix(string key) { var rows = Rows(key); return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]); }
        var batch = new EncoderBatch(Matrix("input_ids"), Matrix("attention_mask"), reference["token_type_ids"] is null ? null : Matrix("token_type_ids"));
        var expected = reference["logits"]!.AsArray().Select(r => r!.AsArray().Select(v => (float)(double)v!).ToArray()).ToArray();
        using var logits = InteropModels.Logits(model, batch);
        using var want = tensor(expected.SelectMany(r => r).ToArray(), [expected.Length, expected[0].Length]);
        double diff = InteropModels.MaxDiff(want, logits);
        Assert.True(diff <= 1e-5, $"{fixture}: max |ours − PEFT's| {diff:E2}");
    }
}
