using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Interop;

/// <summary>
/// A task model with its adapters merged into the weights (W ← W + B·A·s, <see cref="LoraParameters.Merge"/>), written as
/// a Hugging Face checkpoint folder (<see cref="HfCheckpoint.Save"/>) that <c>AutoModelFor…</c> loads: config.json with
/// the task model's <c>architectures</c> (and <c>id2label</c>/<c>label2id</c> for classifiers), model.safetensors with
/// the backbone under the task model's prefix and the head as <c>classifier.*</c>, and the tokenizer files. A head
/// transformers has no class for is written beside the base model (<see cref="HeadFile"/>), as for adapters.
/// </summary>
public static class MergedExport
{
    static readonly string[] TokenizerFiles =
        ["vocab.txt", "vocab.json", "merges.txt", "tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    public static HfTaskModel Write(string directory, TaskModel model, PretrainedModel pretrained, IReadOnlyList<string>? labels)
    {
        var config = model.Backbone.Config;
        var form = HfTaskModel.Of(model);
        string backbone = config.Family.BackboneName(config) + ".";
        var layout = config.Family.Layout(config).Shapes();
        LoraParameters.Merge(model);
        try
        {
            using var scope = NewDisposeScope();
            var tensors = model.named_parameters()
                .Where(p => p.name.StartsWith(backbone, StringComparison.Ordinal) && layout.ContainsKey(p.name[backbone.Length..]))
                .ToDictionary(p => p.name[backbone.Length..], p => (Tensor)p.parameter.detach().cpu().to(ScalarType.Float32));
            var head = form.HasHead
                ? model.named_parameters().Where(p => p.name.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal))
                    .ToDictionary(p => p.name, p => (Tensor)p.parameter.detach().cpu().to(ScalarType.Float32))
                : null;
            HfCheckpoint.Save(directory, config, tensors, form.Prefix, head);
        }
        finally
        {
            LoraParameters.Unmerge(model);
        }

        string configPath = Path.Combine(directory, HfCheckpoint.ConfigFile);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(configPath))!;
        json["architectures"] = new JsonArray(form.Architecture);
        if (form.TaskType == PeftConfig.SequenceClassification)
        {
            long outputs = model.named_parameters().First(p => p.name is "classifier.weight" or "classifier.out_proj.weight").parameter.shape[0];
            var names = labels is { } l && l.Count == outputs ? l : Enumerable.Range(0, (int)outputs).Select(i => $"LABEL_{i}").ToList();
            json["id2label"] = new JsonObject(names.Select((n, i) => KeyValuePair.Create(i.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)n)));
            json["label2id"] = new JsonObject(names.Select((n, i) => KeyValuePair.Create(n, (JsonNode?)i)));
            json["problem_type"] = outputs == 1 ? "regression" : "single_label_classification";
        }
        File.WriteAllText(configPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        if (pretrained.Embedded is { } embedded)
        {
            using (var vocab = embedded.OpenVocab())
            using (var file = File.Create(Path.Combine(directory, HfCheckpoint.VocabFile)))
                vocab.CopyTo(file);
            File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), "{\n  \"do_lower_case\": true\n}\n");
        }
        else if (System.IO.Directory.Exists(pretrained.Location))
            foreach (string file in TokenizerFiles.Where(f => File.Exists(Path.Combine(pretrained.Location, f))))
                File.Copy(Path.Combine(pretrained.Location, file), Path.Combine(directory, file), overwrite: true);
        if (!form.HasHead && form.TaskType != PeftConfig.CausalLm) HeadFile.Write(directory, model, labels);
        return form;
    }
}
