using Pipeline.Build;

namespace Pipeline.Tests.Engine;

/// <summary>The build step that lets TorchSharp's native library load on Debian 12 (GLIBCXX_3.4.32).</summary>
public class ElfVersionNeedTests
{
    const string Version = "GLIBCXX_3.4.32";

    static string OriginalLibrary()
    {
        string path = Path.Combine(TestPaths.Metadata("TorchSharpPackageDir"), "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected TorchSharp's library at {path}");
        return path;
    }

    [Fact]
    public void Patch_sets_the_weak_flag_on_that_entry_and_changes_no_other_byte()
    {
        using var dir = new TestPaths.TempDir();
        string copy = dir.File("libLibTorchSharp.so");
        File.Copy(OriginalLibrary(), copy);
        byte[] before = File.ReadAllBytes(copy);
        long flags = ElfVersionNeed.FindVernauxFlagsOffset(before, Version);
        Assert.True(flags > 0, "the original library must require " + Version);
        Assert.Equal(0, before[flags] & ElfVersionNeed.VerFlagWeak);

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeed.Patch(copy, Version));

        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Equal(new[] { (int)flags }, changed);
        Assert.Equal(before[flags] | ElfVersionNeed.VerFlagWeak, after[flags]);
        Assert.False(File.Exists(copy + ".weak-tmp"));
    }

    [Fact]
    public void Patch_is_idempotent()
    {
        using var dir = new TestPaths.TempDir();
        string copy = dir.File("lib.so");
        File.Copy(OriginalLibrary(), copy);
        ElfVersionNeed.Patch(copy, Version);
        byte[] once = File.ReadAllBytes(copy);

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeed.Patch(copy, Version));
        Assert.Equal(once, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Patch_leaves_a_library_without_that_need_alone()
    {
        using var dir = new TestPaths.TempDir();
        string copy = dir.File("lib.so");
        File.Copy(OriginalLibrary(), copy);
        byte[] before = File.ReadAllBytes(copy);

        Assert.Equal(ElfPatchOutcome.NotRequired, ElfVersionNeed.Patch(copy, "GLIBCXX_9.9.99"));
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Patch_does_not_modify_a_hard_linked_source()
    {
        using var dir = new TestPaths.TempDir();
        string source = dir.File("cache.so"), output = dir.File("output.so");
        File.Copy(OriginalLibrary(), source);
        Assert.Equal(0, Link(source, output));
        byte[] original = File.ReadAllBytes(source);

        ElfVersionNeed.Patch(output, Version);

        Assert.Equal(original, File.ReadAllBytes(source));
        Assert.NotEqual(original, File.ReadAllBytes(output));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    static extern int Link(string existing, string created);

    [Fact]
    public void Truncated_or_foreign_files_are_rejected_with_a_clear_error()
    {
        byte[] original = File.ReadAllBytes(OriginalLibrary());
        var notElf = Assert.Throws<InvalidDataException>(() => ElfVersionNeed.FindVernauxFlagsOffset(new byte[100], Version));
        Assert.Contains("not an ELF file", notElf.Message);
        var truncated = Assert.Throws<InvalidDataException>(() => ElfVersionNeed.FindVernauxFlagsOffset(original[..4096], Version));
        Assert.Contains("truncated", truncated.Message);
    }

    [Fact]
    public void The_build_output_copy_loads_here()
    {
        string built = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(built), $"expected the build to copy the library to {built}");
        byte[] bytes = File.ReadAllBytes(built);
        long flags = ElfVersionNeed.FindVernauxFlagsOffset(bytes, Version);
        bool weak = (bytes[flags] & ElfVersionNeed.VerFlagWeak) != 0;
        Assert.True(weak || ElfVersionNeed.SystemProvides(Version),
            "the build must mark the need weak on a system whose libstdc++ lacks " + Version);
    }
}
