using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>The cluster tests run the programs the solution build produced, in the test assembly's own configuration.</summary>
public sealed class DotnetAppProcessTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Theory]
    [InlineData("Silo")]
    [InlineData("Frontend")]
    public void TheProgramIsTheOneBuiltInTheTestsOwnConfiguration(string project)
    {
        Assert.Equal(Configuration, DotnetAppProcess.BuildConfiguration);
        var dll = DotnetAppProcess.LocateDll(project);
        Assert.Equal(Path.Combine(DotnetAppProcess.SolutionDirectory(), project, "bin", Configuration, "net10.0", project + ".dll"), dll);
        Assert.True(File.Exists(dll));
    }

    [Fact]
    public void AMissingProgramFailsNamingThePathAndTheBuildCommand()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DotnetAppProcess.LocateDll("NoSuchProgram"));
        Assert.Contains(Path.Combine("NoSuchProgram", "bin", Configuration, "net10.0", "NoSuchProgram.dll"), error.Message);
        Assert.Contains($"dotnet build {Path.Combine(DotnetAppProcess.SolutionDirectory(), "OrleansMail.sln")} -c {Configuration}", error.Message);
    }
}
