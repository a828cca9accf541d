using Pipeline.Storage;

namespace Pipeline.Tests.Storage;

public class PipelineHomeTests
{
    [Fact]
    public void Pipeline_home_wins_over_xdg_and_home()
    {
        Assert.Equal("/data/p", PipelineHome.Resolve("/data/p", "/xdg", "/home/u"));
    }

    [Fact]
    public void Xdg_cache_home_comes_next()
    {
        Assert.Equal("/xdg/pipeline", PipelineHome.Resolve(null, "/xdg", "/home/u"));
        Assert.Equal("/xdg/pipeline", PipelineHome.Resolve("  ", "/xdg", "/home/u")); // empty counts as unset
    }

    [Fact]
    public void The_fallback_is_dot_cache_in_the_home_folder()
    {
        Assert.Equal("/home/u/.cache/pipeline", PipelineHome.Resolve(null, null, "/home/u"));
        // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
        Assert.Equal("/home/u/.cache/pipeline", PipelineHome.Resolve(null, "relative/cache", "/home/u"));
    }

    [Fact]
    public void Subfolders_hang_off_the_root()
    {
        var home = new PipelineHome("/tmp/ph");
        Assert.Equal("/tmp/ph/data", home.DataRoot);
        Assert.Equal("/tmp/ph/apt", home.AptRoot);
    }
}
