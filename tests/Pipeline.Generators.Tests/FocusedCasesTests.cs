using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Lora;

namespace Pipeline.Generators.Tests;

/// <summary>Focused YAML documents for the parts of the schema the repository's experiments do not use.</summary>
public class FocusedCasesTests
{
    public static readonly Dictionary<string, string> Cases = new()
    {
        ["minimal"] = """
            name: minimal
            """,
        ["explicit_list"] = """
            name: explicit-list
            description: "Every key of a dropout entry, and the R-Drop both-branches KL"
            dropout:
              - position: attention_logits
                pattern: column
                rate: 0.1
                layers: latter_half
              - position: attention_weights
                pattern: element
                rate: 0.05
                layers: [0, 1]
                normalization: with_gradient
              - position: hidden
                pattern: span
                rate: 0.1
                span_start: attention_guided
              - position: input
                pattern: feature
                rate: 0.02
              - position: output
                pattern: element
                rate: 0.1
            compensation:
              kind: bidirectional_kl
              weight: 2.5
              branches: both
            seeds: [7]
            """,
        ["checkpoint_and_csv"] = """
            name: checkpoint_and_csv
            model: {path: /models/bert-base, pooling: cls}
            task:
              format: csv
              path: data/reviews.csv
              columns: {text: review, label: stars}
              regression: true
              max_length: 128
              max_examples: 1000
              metric: pearson
            lora:
              rank: 16
              alpha: 32
              targets: [query, key, value, attention_output, ffn_in, ffn_out]
              dropout: 0.1
              rslora: true
              rank_per_target: {ffn_in: 4, ffn_out: 4}
              train_embeddings: false
              init_from: adapters/peft-sst2
            dropout: {preset: hiddencut, rate: 0.1}
            compensation: {kind: hiddencut_js, weight: 1}
            training:
              epochs: 3
              batch_size: 16
              learning_rate: 2e-4
              weight_decay: 0
              warmup_ratio: 0.1
              max_grad_norm: 0
              gradient_accumulation: 2
              eval_every_steps: 50
              eval_from_epoch: 2
              early_stopping_patience: 3
              device: cuda:0
              precision: bfloat16
            """,
        ["model_head"] = """
            name: model-head
            model: {path: /models/roberta-base, head: roberta}
            """,
        ["sweep_axes"] = """
            name: sweep-axes
            dropout: {preset: dropkey, rate: 0.1}
            sweep:
              preset: [dropkey, dropattention]
              pattern: [element, column]
              lora_rank: [4, 8]
              learning_rate: [1e-4, 5e-4]
            """,
        ["sweep_datasets"] = """
            name: sweep-datasets
            dropout: hiddenkey
            sweep:
              dataset: [mr-polarity, conll2010-hedge, debian-sections]
              max_examples: [500]
            """,
        ["hiddenkey_overrides"] = """
            name: hiddenkey-overrides
            dropout: hiddenkey
            compensation: {branches: both}
            sweep:
              key_rate: [0.05, 0.1]
              hidden_rate: [0.1, 0.2]
              weight: [0.5]
            """,
        ["kl_reduction"] = """
            name: kl-reduction
            dropout: hiddenkey
            compensation: {reduction: sum}
            sweep:
              reduction: [mean, sum]
              weight: [0.1]
            """,
        ["js_reduction"] = """
            name: js-reduction
            dropout: hiddenkey_minus
            compensation: {kind: js_to_inference, weight: 2, reduction: sum}
            """,
        ["preset_without_compensation"] = """
            name: preset-without-compensation
            dropout: {preset: hiddenkey, rate: 0.2}
            compensation: {kind: none}
            """,
        ["generation_decoding"] = """
            name: generation-decoding
            model: {name: pipeline-gpt2-cpu}
            task:
              format: prompt_target
              path: data/mr-to-text.jsonl
              metric: rouge_l
              decoding: {num_beams: 4, length_penalty: 0.8, no_repeat_ngram_size: 3, max_new_tokens: 40}
              train_every_reference: false
            training: {label_smoothing: 0}
            """,
        ["full_fine_tuning"] = """
            name: full-fine-tuning
            lora: none
            dropout: hiddenkey
            training: {learning_rate: 5e-5, precision: float32}
            sweep:
              learning_rate: [2e-5, 5e-5]
            """,
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Generates(string name)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(($"{name}.yaml", Cases[name])));
        Assert.Empty(result.Diagnostics);
        Snapshot.VerifySources(result, $"{nameof(FocusedCasesTests)}.{nameof(Generates)}_name={name}");
        foreach (var variant in GeneratorHarness.LoadRegistry(output).Single().Variants)
        {
            Assert.Empty(variant.Dropout.Validate());
            Assert.Empty(variant.Lora?.Validate() ?? []);
        }
    }

    [Fact]
    public void Task_decoding_becomes_DecodingOptions_and_unwritten_keys_keep_the_papers_NLG_decoding()
    {
        var task = Load("generation_decoding").Variants.Single().Task;
        Assert.Equal(new Experiments.DecodingOptions(NumBeams: 4, LengthPenalty: 0.8, NoRepeatNgramSize: 3, MaxNewTokens: 40), task.Decoding);
        Assert.Equal("rouge_l", task.Metric);
        Assert.False(task.TrainEveryReference);
        Assert.Null(Load("minimal").Variants.Single().Task.Decoding);
        Assert.True(Load("minimal").Variants.Single().Task.TrainEveryReference);
    }

    [Fact]
    public void Explicit_entries_become_the_same_DropSpecs_a_person_would_write()
    {
        var plan = Load("explicit_list").Variants.Single().Dropout;
        Assert.Equal(new DropSpec(DropPosition.AttentionLogits, DropPattern.Column, 0.1, LayerSelection.LatterHalf), plan.Drops[0]);
        Assert.Equal(new DropSpec(DropPosition.AttentionWeights, DropPattern.Element, 0.05, LayerSelection.Of(0, 1), Normalization: AttentionNormalization.WithGradient), plan.Drops[1]);
        Assert.Equal(SpanStart.AttentionGuided, plan.Drops[2].SpanStart);
        Assert.Equal(new BidirectionalKl(2.5, KlBranches.Both), plan.Compensation);
    }

    [Fact]
    public void A_checkpoint_path_clears_the_default_model_and_a_file_clears_the_default_dataset()
    {
        var d = Load("checkpoint_and_csv").Variants.Single();
        Assert.Equal(new Experiments.ModelOptions(Name: null, Path: "/models/bert-base", Pooling: Pipeline.Models.Pooling.Cls), d.Model);
        Assert.Null(d.Task.Dataset);
        Assert.Equal(("csv", "review", "stars", true), (d.Task.Format, d.Task.TextColumn, d.Task.LabelColumn, d.Task.Regression));
        var lora = Assert.IsType<LoraOptions>(d.Lora);
        Assert.Equal(4, lora.RankFor(LoraTarget.FfnIn));
        Assert.Equal(16, lora.RankFor(LoraTarget.Query));
        Assert.Equal(Models.Precision.BFloat16, d.Training.Precision);
        Assert.IsType<HiddenCutJs>(d.Dropout.Compensation);
    }

    [Fact]
    public void Model_head_becomes_ModelOptions_Head()
    {
        Assert.Equal(new Experiments.ModelOptions(Name: null, Path: "/models/roberta-base", Head: Pipeline.Models.HeadKind.Roberta), Load("model_head").Variants.Single().Model);
    }

    [Fact]
    public void The_grid_expands_in_yaml_order_with_the_first_axis_slowest()
    {
        var variants = Load("sweep_axes").Variants.Select(v => v.Variant).ToList();
        Assert.Equal(1 + 2 * 2 * 2 * 2, variants.Count);
        Assert.Equal("default", variants[0]);
        Assert.Equal("preset=dropkey,pattern=element,lora_rank=4,learning_rate=0.0001", variants[1]);
        Assert.Equal("preset=dropattention,pattern=column,lora_rank=8,learning_rate=0.0005", variants[^1]);
    }

    [Fact]
    public void A_dataset_axis_makes_one_variant_per_task()
    {
        var variants = Load("sweep_datasets").Variants;
        Assert.Equal(["default", "dataset=mr-polarity,max_examples=500", "dataset=conll2010-hedge,max_examples=500", "dataset=debian-sections,max_examples=500"],
            variants.Select(v => v.Variant));
        Assert.Equal(["mr-polarity", "mr-polarity", "conll2010-hedge", "debian-sections"], variants.Select(v => v.Task.Dataset));
        Assert.All(variants.Skip(1), v => Assert.Equal(500, v.Task.MaxExamples));
    }

    [Fact]
    public void A_compensation_without_kind_adjusts_the_presets_own_one()
    {
        var variants = Load("hiddenkey_overrides").Variants;
        Assert.Equal(new BidirectionalKl(1, KlBranches.Both), variants[0].Dropout.Compensation);
        var point = variants.Single(v => v.Variant == "key_rate=0.05,hidden_rate=0.2,weight=0.5").Dropout;
        Assert.Equal(new BidirectionalKl(0.5, KlBranches.Both), point.Compensation);
        Assert.Equal(0.05, point.At(DropPosition.AttentionLogits)!.Rate);
        Assert.Equal(0.2, point.At(DropPosition.Hidden)!.Rate);
        Assert.Equal(Presets.HiddenKeyMinus(0.2, 0.2).ToString(), Load("preset_without_compensation").Variants.Single().Dropout.ToString());
    }

    [Fact]
    public void Compensation_reduction_is_the_records_Reduction_and_a_sweep_axis()
    {
        var variants = Load("kl_reduction").Variants;
        Assert.Equal(["default", "reduction=mean,weight=0.1", "reduction=sum,weight=0.1"], variants.Select(v => v.Variant));
        Assert.Equal(new BidirectionalKl(1, Reduction: DivergenceReduction.Sum), variants[0].Dropout.Compensation);
        Assert.Equal(new BidirectionalKl(0.1), variants[1].Dropout.Compensation);
        Assert.Equal(Presets.HiddenKey(klWeight: 0.1).ToString(), variants[1].Dropout.ToString());
        Assert.Equal(new BidirectionalKl(0.1, Reduction: DivergenceReduction.Sum), variants[2].Dropout.Compensation);
        Assert.Equal(new JsToInference(2, DivergenceReduction.Sum), Load("js_reduction").Variants.Single().Dropout.Compensation);
    }

    [Fact]
    public void Lora_none_is_no_LoraOptions_in_every_variant_full_fine_tuning()
    {
        var variants = Load("full_fine_tuning").Variants;
        Assert.Equal(3, variants.Count);
        Assert.All(variants, v => Assert.Null(v.Lora));
        Assert.All(variants, v => Assert.True(v.IsFullFineTuning));
        Assert.False(Load("minimal").Variants.Single().IsFullFineTuning, "a file without 'lora' keeps the default LoRA");
        Assert.Equal(new LoraOptions().Rank, Load("minimal").Variants.Single().Lora?.Rank);
    }

    static Experiments.IExperiment Load(string name) =>
        GeneratorHarness.LoadRegistry(GeneratorHarness.Run(GeneratorHarness.Files(($"{name}.yaml", Cases[name]))).Output).Single();
}
