using Pipeline.Models;
using Pipeline.Models.Heads;

namespace Pipeline.Interop;

/// <summary>
/// The Hugging Face model class a task model of ours is, where it has one: BertForSequenceClassification (BERT + the
/// pooler head), RobertaForSequenceClassification / XLMRobertaForSequenceClassification (RoBERTa + the roberta head),
/// GPT2LMHeadModel / LlamaForCausalLM (a decoder + its LM head). Any other combination — the default MiniLM's
/// mean-pooled linear head, a [CLS]-pooled linear head, a decoder with a pooled classifier — has no transformers
/// counterpart: its backbone is exported as the base model (<c>AutoModel</c>, PEFT's FEATURE_EXTRACTION) and its head
/// beside it (<see cref="HeadFile"/>).
/// </summary>
/// <param name="TaskType">PEFT's task_type.</param>
/// <param name="Architecture">config.json's <c>architectures</c> entry; for the base model the family's backbone class.</param>
/// <param name="Prefix">Where the backbone sits in that class (<c>bert.</c>, <c>transformer.</c>, <c>model.</c>), "" for the base model.</param>
/// <param name="HasHead">Whether the class holds our head (<c>classifier.*</c>) itself.</param>
public sealed record HfTaskModel(string TaskType, string Architecture, string Prefix, bool HasHead)
{
    public static HfTaskModel Of(TaskModel model)
    {
        var config = model.Backbone.Config;
        string prefix = config.Family.BackboneName(config) + ".";
        string? architecture = (config.ModelType, model.Head) switch
        {
            ("bert", LinearHead { Pooling: null }) => "BertForSequenceClassification",
            ("roberta", RobertaHead) => "RobertaForSequenceClassification",
            ("xlm-roberta", RobertaHead) => "XLMRobertaForSequenceClassification",
            _ => null,
        };
        if (architecture is not null) return new(PeftConfig.SequenceClassification, architecture, prefix, HasHead: true);
        if (model.Head is LanguageModelHead)
        {
            string lm = config.ModelType switch
            {
                "gpt2" => "GPT2LMHeadModel",
                "llama" => "LlamaForCausalLM",
                var other => throw new ArgumentException($"no transformers causal-LM class is known for model type '{other}'"),
            };
            return new(PeftConfig.CausalLm, lm, prefix, HasHead: false);
        }
        string backbone = config.ModelType switch
        {
            "bert" => "BertModel",
            "roberta" => "RobertaModel",
            "xlm-roberta" => "XLMRobertaModel",
            "gpt2" => "GPT2Model",
            "llama" => "LlamaModel",
            var other => throw new ArgumentException($"no transformers class is known for model type '{other}'"),
        };
        return new(PeftConfig.FeatureExtraction, backbone, "", HasHead: false);
    }
}
