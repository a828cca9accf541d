using Microsoft.CodeAnalysis;

namespace Pipeline.Generators.Tests;

/// <summary>Bad YAML: each case's diagnostics (id, exact span, message) as a snapshot, plus the key promises asserted directly.</summary>
public class DiagnosticTests
{
    public static readonly Dictionary<string, string> Cases = new()
    {
        ["syntax_error"] = """
            name: broken
            lora:
              rank: [8
            """,
        ["tab_indentation"] = "name: tabs\nlora:\n\trank: 8\n",
        ["unknown_keys"] = """
            name: typos
            lora:
              rnak: 8
              alpah: 16
            trainig:
              epochs: 3
            dropout:
              preset: hiddenkey
              keyrate: 0.1
            """,
        ["wrong_types"] = """
            name: types
            lora:
              rank: 8.5
              alpha: high
              targets: query
              rslora: yes
            training: 12
            seeds: [1, two]
            """,
        ["out_of_range"] = """
            name: ranges
            lora: {rank: 0, alpha: -1, dropout: 1}
            dropout: {preset: dropkey, rate: 1.0}
            compensation: {kind: bidirectional_kl, weight: -0.5}
            training: {epochs: 0, batch_size: -2, learning_rate: 0, warmup_ratio: 1.5, max_grad_norm: .inf}
            task: {max_length: 1, max_examples: 0}
            """,
        ["unknown_names"] = """
            name: names
            model: {name: minilm, pooling: max}
            task: {dataset: sst2, metric: acc}
            lora: {targets: [query, vaule]}
            dropout:
              - position: attention_logit
                pattern: columns
                rate: 0.1
              - position: hidden
                pattern: element
                rate: 0.1
                layers: latter-half
            training: {device: gpu, precision: fp16}
            """,
        ["unknown_preset"] = """
            name: preset
            dropout: {preset: hidden_key}
            compensation: {kind: kl}
            """,
        ["missing_name_and_entry_keys"] = """
            description: no name
            dropout:
              - position: hidden
                rate: 0.1
            """,
        ["duplicate_keys"] = """
            name: duplicates
            lora: {rank: 8, rank: 4}
            seeds: [1, 1]
            """,
        ["invalid_name"] = """
            name: My Experiment
            """,
        ["two_documents"] = """
            name: one
            ---
            name: two
            """,
        ["dropspec_rules"] = """
            name: dropspec-rules
            dropout:
              - position: attention_logits
                pattern: feature
                rate: 0.1
              - position: output
                pattern: column
                rate: 0.1
              - position: attention_weights
                pattern: span
                rate: 0.1
                span_start: attention_guided
              - position: hidden
                pattern: element
                rate: 0.1
                span_start: uniform
                normalization: with_gradient
              - position: input
                pattern: element
                rate: 0.1
                layers: all
            """,
        ["overlapping_entries"] = """
            name: overlap
            dropout:
              - position: hidden
                pattern: element
                rate: 0.1
                layers: [0, 1, 2]
              - position: hidden
                pattern: column
                rate: 0.1
                layers: [2, 3]
              - position: attention_logits
                pattern: column
                rate: 0.1
                layers: [0, 1]
              - position: attention_logits
                pattern: element
                rate: 0.1
                layers: latter_half
            """,
        ["preset_rules"] = """
            name: preset-rules
            dropout: {preset: hiddenkey, rate: 0.1, key_rate: 0.2, pattern: column}
            """,
        ["baseline_with_rate_and_kl"] = """
            name: baseline-rules
            dropout: {preset: baseline, rate: 0.1}
            compensation: {kind: bidirectional_kl, weight: 1}
            """,
        ["preset_pattern_rules"] = """
            name: preset-pattern
            dropout: {preset: dropkey, rate: 0.1, pattern: feature, hidden_rate: 0.1}
            """,
        ["compensation_rules"] = """
            name: compensation-rules
            dropout: {preset: dropkey, rate: 0.1}
            compensation: {weight: 2}
            """,
        ["compensation_branches"] = """
            name: compensation-branches
            dropout: {preset: hiddenkey_minus}
            compensation: {kind: js_to_inference, branches: both}
            """,
        ["compensation_reduction"] = """
            name: compensation-reduction
            dropout: {preset: hiddenkey}
            compensation: {reduction: total}
            """,
        ["compensation_reduction_on_none"] = """
            name: compensation-reduction-none
            dropout: {preset: hiddenkey_minus}
            compensation: {kind: none, reduction: sum}
            """,
        ["sweep_reduction_rules"] = """
            name: sweep-reduction
            dropout: {preset: dropkey, rate: 0.1}
            sweep:
              reduction: [sum, sum]
            """,
        ["sweep_reduction_without_compensation"] = """
            name: sweep-reduction-none
            dropout: {preset: dropkey, rate: 0.1}
            sweep:
              reduction: [mean, sum]
            """,
        ["model_and_task_rules"] = """
            name: model-task
            model: {name: all-minilm-l6-v2, path: /models/x}
            task: {dataset: mr-polarity, format: csv, columns: {text: t}}
            lora: {targets: [query], rank_per_target: {value: 4}}
            """,
        ["pooling_with_a_pooling_head"] = """
            name: pooling-head
            model: {path: /models/bert-base, head: pooler, pooling: mean}
            """,
        ["task_needs_path"] = """
            name: task-path
            task: {format: glue-sst2, regression: true}
            """,
        ["sweep_rules"] = """
            name: sweep-rules
            dropout: {preset: dropkey, rate: 0.1}
            sweep:
              rates: [0.1]
              rate: []
              pattern: [column, column]
              lora_rank: [0.5]
            """,
        ["sweep_weight_without_compensation"] = """
            name: sweep-weight
            dropout: {preset: dropkey, rate: 0.1}
            sweep:
              weight: [1, 2]
            """,
        ["sweep_variant_conflict"] = """
            name: sweep-variant
            dropout: {preset: dropkey, rate: 0.1, pattern: column}
            sweep:
              preset: [dropkey, hiddenkey]
            """,
        ["sweep_list_axes"] = """
            name: sweep-list
            dropout:
              - {position: hidden, pattern: element, rate: 0.1}
            sweep:
              key_rate: [0.1, 0.2]
              preset: [dropkey]
            """,
        ["decoding_out_of_range"] = """
            name: decoding-ranges
            task:
              dataset: debian-synopses
              metric: blue
              decoding: {num_beams: 0, no_repeat_ngram_size: -1, max_new_token: 8}
            """,
        ["lora_scalar"] = """
            name: lora-scalar
            lora: full
            """,
        ["lora_none_rules"] = """
            name: lora-none-rules
            lora: none
            training: {precision: bfloat16}
            """,
        ["bf16_train_embeddings"] = """
            name: bf16-train-embeddings
            lora: {train_embeddings: true}
            training: {precision: bfloat16}
            """,
        ["sweep_lora_without_lora"] = """
            name: sweep-lora-without-lora
            lora: none
            sweep:
              lora_rank: [4, 8]
              lora_alpha: [16]
            """,
        ["sweep_dataset_with_own_files"] = """
            name: sweep-dataset-with-own-files
            task: {format: csv, path: data/reviews.csv}
            sweep:
              dataset: [mr-polarity]
            """,
        ["sweep_dataset_unknown"] = """
            name: sweep-dataset-unknown
            sweep:
              dataset: [mr-polarty]
            """,
        ["empty_file"] = "# nothing here yet\n",
        ["not_a_mapping"] = "- name: list\n",
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Reports(string name)
    {
        string file = $"{name}.yaml";
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Files((file, Cases[name])));
        Assert.NotEmpty(result.Diagnostics);
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == DiagnosticDescriptors.InternalError.Id);
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName != Emit.RegistryEmitter.HintName);
        Snapshot.VerifyDiagnostics(result.Diagnostics, $"{nameof(DiagnosticTests)}.{nameof(Reports)}_name={name}",
            new Dictionary<string, string> { [GeneratorHarness.PathOf(file)] = Cases[name] });
    }

    [Fact]
    public void An_unknown_key_is_reported_at_the_key_with_the_closest_known_key()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Files(("typo.yaml", "name: typo\nlora:\n  rnak: 8\n")));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PL0002", diagnostic.Id);
        Assert.Equal("Unknown key 'rnak' in lora; did you mean 'rank'?", diagnostic.GetMessage());
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal("/repo/experiments/typo.yaml", span.Path);
        Assert.Equal((2, 2, 2, 6), (span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character));
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(19, 4), diagnostic.Location.SourceSpan);
    }

    [Fact]
    public void A_bad_reduction_is_reported_at_its_value_with_the_names_it_accepts()
    {
        const string yaml = "name: bad-reduction\ndropout: hiddenkey\ncompensation:\n  kind: bidirectional_kl\n  reduction: batchsum\n";
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Files(("bad-reduction.yaml", yaml)));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PL0005", diagnostic.Id);
        Assert.Contains("'batchsum'", diagnostic.GetMessage());
        Assert.Contains("compensation.reduction", diagnostic.GetMessage());
        Assert.Contains("mean, sum", diagnostic.GetMessage());
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal((4, 13, 4, 21), (span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character));
    }

    [Fact]
    public void Two_files_with_one_name_are_reported_at_the_second_and_only_the_first_is_emitted()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Files(
            ("a.yaml", "name: same\n"), ("b.yaml", "description: again\nname: same\n"), ("c.yaml", "name: same_\n")));
        Snapshot.VerifyDiagnostics(result.Diagnostics, $"{nameof(DiagnosticTests)}.{nameof(Two_files_with_one_name_are_reported_at_the_second_and_only_the_first_is_emitted)}",
            new Dictionary<string, string> { [GeneratorHarness.PathOf("b.yaml")] = "description: again\nname: same\n", [GeneratorHarness.PathOf("c.yaml")] = "name: same_\n" });
        Assert.Equal(["ExperimentRegistry.g.cs", "SameExperiment.g.cs"], result.GeneratedSources.Select(s => s.HintName).Order());
    }

    [Fact]
    public void Every_descriptor_is_an_error_with_a_unique_PL_id()
    {
        Assert.All(DiagnosticDescriptors.All, d => Assert.Matches("^PL[0-9]{4}$", d.Id));
        Assert.Equal(DiagnosticDescriptors.All.Count, DiagnosticDescriptors.All.Select(d => d.Id).Distinct().Count());
    }
}
