using OrleansMail.Frontend.Configuration.Nginx;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>docs/nginx-compatibility.md holds the directive table exactly as the code renders it, and names only real directives.</summary>
public sealed class NginxCompatibilityDocTests
{
    [Fact]
    public void TheDocumentsTableMatchesTheDirectiveTable()
    {
        var document = File.ReadAllText(Path.Combine(Support.DotnetAppProcess.SolutionDirectory(), "docs", "nginx-compatibility.md"));
        Assert.Contains(NginxCompatibilityTable.Render(), document.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryDifferenceIsAboutADirectiveOfTheTable() =>
        Assert.All(NginxCompatibilityTable.Differences.Keys, name => Assert.NotNull(NginxDirectives.Find(name)));

    [Fact]
    public void EveryDirectiveHasARow()
    {
        var table = NginxCompatibilityTable.Render();
        Assert.All(NginxDirectives.All, directive => Assert.Contains($"| `{directive.Name}` |", table, StringComparison.Ordinal));
    }
}
