using System.CommandLine;
using Pipeline.Cli.Commands;

var root = new RootCommand("pipeline: LoRA fine-tuning with the unified dropout framework of 'LoRA Meets Dropout under a Unified Framework'.")
{
    DoctorCommand.Create(),
    ModelsCommand.Create(),
    GenerateCommand.Create(),
    ScoreCommand.Create(),
    PretrainCommand.Create(),
    DataCommand.Create(),
    BenchCommand.Create(),
    ListCommand.Create(),
    ShowCommand.Create(),
    RunCommand.Create(),
    EvalCommand.Create(),
    ExportCommand.Create(),
    SweepCommand.Create(),
    ReportCommand.Create(),
    AnalyzeCommand.Create(),
    BaselinesCommand.Create(),
};
return CommandRunner.Invoke(root, args);
