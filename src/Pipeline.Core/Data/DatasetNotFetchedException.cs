namespace Pipeline.Data;

/// <summary>
/// A built-in data set is not in the cache yet. A <see cref="FileNotFoundException"/>, so every caller that reports
/// missing files reports this too; the message says which command fetches it.
/// </summary>
public sealed class DatasetNotFetchedException(string name, string folder)
    : FileNotFoundException($"data set '{name}' is not in the cache ({folder}); fetch it with `pipeline data fetch {name}` (or turn on auto-fetch in the data options)", folder)
{
    public string Dataset { get; } = name;
}
