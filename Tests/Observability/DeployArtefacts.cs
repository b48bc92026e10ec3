using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// The operator files in deploy/: the Grafana dashboard (deploy/grafana/orleansmail.json) and the Prometheus alert
/// rules (deploy/prometheus/orleansmail-alerts.yml), and the metric names their PromQL expressions use.
/// </summary>
public static partial class DeployArtefacts
{
    public static string Dashboard => Path.Combine(DotnetAppProcess.SolutionDirectory(), "deploy", "grafana", "orleansmail.json");

    public static string AlertRules => Path.Combine(DotnetAppProcess.SolutionDirectory(), "deploy", "prometheus", "orleansmail-alerts.yml");

    /// <summary>Every PromQL expression of the dashboard's panels (<c>targets[].expr</c>) and of the alert rules (<c>expr:</c>).</summary>
    public static IReadOnlyList<string> Expressions()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        expressions.AddRange(File.ReadLines(AlertRules).Select(l => l.Trim()).Where(l => l.StartsWith("expr:", StringComparison.Ordinal)).Select(l => l[5..].Trim()));
        return expressions;
    }

    /// <summary>The metric names in an expression: identifiers in the exporters' namespaces (OrleansMail's, Orleans', the runtime's, Kestrel's, HttpClient's), plus <c>up</c>.</summary>
    public static IEnumerable<string> MetricNames(string expression) =>
        MetricName().Matches(expression).Select(m => m.Value).Distinct();

    /// <summary>
    /// Every name the artefacts use is in <see cref="MetricCatalog"/> (instruments the Frontend and the grains
    /// define) or in <paramref name="scraped"/> (what a real scrape of the processes stored), or is Prometheus' <c>up</c>.
    /// </summary>
    public static void AssertEveryMetricIsKnown(IReadOnlySet<string> scraped)
    {
        var expressions = Expressions();
        Assert.NotEmpty(expressions);
        foreach (var expression in expressions)
            foreach (var name in MetricNames(expression))
                Assert.True(MetricCatalog.SeriesNames.Contains(name) || scraped.Contains(name),
                    $"{name} (in \"{expression}\") is neither in the catalog nor in the scrape: {string.Join(", ", scraped.Order())}");
    }

    [GeneratedRegex(@"\b(?:orleansmail|orleans|dotnet|kestrel|http_client)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
