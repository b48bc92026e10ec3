using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// The alert rules pass <c>promtool check rules</c> (Debian's prometheus package); the dashboard and the rules name
/// OrleansMail metrics only from the catalog. The names of Orleans', the runtime's and Kestrel's metrics are checked
/// against a real scrape in <see cref="PrometheusScrapeTests"/>, which also evaluates every expression.
/// </summary>
public sealed class DeployArtefactTests
{
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task PromtoolAcceptsTheAlertRules()
    {
        var process = ServerProcess.Start("promtool", PrometheusServer.Promtool, ["check", "rules", DeployArtefacts.AlertRules], Path.GetTempPath());
        await using var _ = process;
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, process.Output);
        Assert.Contains("SUCCESS", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheArtefactsNameOrleansMailMetricsFromTheCatalogOnly()
    {
        var names = DeployArtefacts.Expressions().SelectMany(DeployArtefacts.MetricNames).Where(n => n.StartsWith("orleansmail_", StringComparison.Ordinal)).ToHashSet();
        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.Contains(name, MetricCatalog.SeriesNames));
        // Every catalog instrument has a panel or a rule.
        Assert.All(MetricCatalog.Counters.Concat(MetricCatalog.Gauges), name => Assert.Contains(name, names));
        Assert.All(MetricCatalog.Histograms, name => Assert.Contains(name + "_bucket", names));
    }
}
