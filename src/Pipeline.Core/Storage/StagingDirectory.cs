namespace Pipeline.Storage;

/// <summary>
/// A folder that appears at its final path complete or not at all: fill <see cref="Path"/>, then
/// <see cref="Commit"/> renames it into place. Disposing without committing deletes it, so an interrupted
/// fetch or run leaves no folder that looks finished.
/// </summary>
public sealed class StagingDirectory : IDisposable
{
    readonly string target;
    bool committed;

    /// <summary>Creates an empty staging folder beside <paramref name="target"/> (same parent, so the rename is atomic).</summary>
    public StagingDirectory(string target)
    {
        this.target = System.IO.Path.GetFullPath(target);
        string parent = System.IO.Path.GetDirectoryName(this.target)!;
        Directory.CreateDirectory(parent);
        Path = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(this.target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The staging folder to fill.</summary>
    public string Path { get; }

    /// <summary>
    /// Moves the staging folder to the target. An existing target is replaced (a forced re-fetch): it is first
    /// renamed aside, so at every instant the target is either the old complete folder or the new one.
    /// </summary>
    public void Commit()
    {
        if (committed) throw new InvalidOperationException($"{target} was already committed");
        string? old = null;
        if (Directory.Exists(target))
        {
            old = $"{Path}.old";
            Directory.Move(target, old);
        }
        Directory.Move(Path, target);
        committed = true;
        if (old is not null) Directory.Delete(old, recursive: true);
    }

    public void Dispose()
    {
        if (!committed && Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
