// TorchSharp keeps process-wide state (seed, default dtype, thread count): tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
