using Pipeline.Models.Gpt2;
using Pipeline.Storage;
using Pipeline.Weights;

namespace Pipeline.Pretraining;

/// <summary>
/// Writes a pretrained decoder as an HF checkpoint directory — <c>config.json</c>, <c>model.safetensors</c>
/// (GPT2LMHeadModel keys: <c>transformer.</c> prefix, Conv1D weights [in, out], the LM head tied to <c>wte</c> and
/// so not stored), <c>vocab.json</c>, <c>merges.txt</c>, and <c>pretraining.json</c> (how it was made) — into a
/// staging folder renamed into place, so the directory appears complete or not at all. Written into the model
/// cache, <c>model: {name: X}</c> and <c>pipeline generate --model X</c> load it.
/// </summary>
public static class DecoderCheckpoint
{
    public const string SummaryFile = "pretraining.json";

    public static void Write<TSummary>(string directory, Gpt2Model model, string vocabJson, string mergesTxt, TSummary summary)
    {
        foreach (var file in new[] { vocabJson, mergesTxt })
            if (!File.Exists(file)) throw new FileNotFoundException($"tokenizer file {file} does not exist", file);
        using var staging = new StagingDirectory(directory);
        using (TorchSharp.torch.NewDisposeScope())
        {
            var tensors = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().cpu());
            HfCheckpoint.Save(staging.Path, model.Config, tensors, model.Config.Family.BackboneName(model.Config) + ".");
        }
        File.Copy(vocabJson, Path.Combine(staging.Path, HfCheckpoint.BpeVocabFile));
        File.Copy(mergesTxt, Path.Combine(staging.Path, HfCheckpoint.BpeMergesFile));
        AtomicFile.WriteJson(Path.Combine(staging.Path, SummaryFile), summary);
        staging.Commit();
    }
}
