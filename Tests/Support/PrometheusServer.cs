using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A private Prometheus (Debian's <c>prometheus</c> package) on a free loopback port with its data in a temp folder,
/// scraping the given targets every second with a generated configuration; queried through its HTTP API
/// (prometheus.io/docs/prometheus/latest/querying/api/). Dispose stops it and deletes the folder.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    /// <summary>Prometheus' rule and configuration checker, from the same package.</summary>
    public const string Promtool = "/usr/bin/promtool";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ServerProcess _process;

    private PrometheusServer(ServerProcess process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>One scrape job: <c>host:port</c> targets, scraped at <c>/metrics</c> with the bearer token if one is given.</summary>
    public sealed record Job(string Name, IReadOnlyList<string> Targets, string? BearerToken);

    public string Directory { get; }

    public string Url { get; }

    public string Output => _process.Output;

    public static async Task<PrometheusServer> StartAsync(IEnumerable<Job> jobs, CancellationToken cancellationToken)
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-prometheus-");
        var port = ServerProcess.GetFreeTcpPorts(1)[0];
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        foreach (var job in jobs)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - job_name: {job.Name}\n    metrics_path: /metrics\n");
            if (job.BearerToken is { } token) config.Append(CultureInfo.InvariantCulture, $"    authorization:\n      type: Bearer\n      credentials: \"{token}\"\n");
            config.Append(CultureInfo.InvariantCulture, $"    static_configs:\n      - targets: [{string.Join(", ", job.Targets.Select(t => $"\"{t}\""))}]\n");
        }
        var configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString(), cancellationToken);
        var process = ServerProcess.Start("prometheus", Binary,
            [$"--config.file={configPath}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
             $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn"], directory);
        var server = new PrometheusServer(process, directory, port);
        try
        {
            await process.WaitUntilReadyAsync(async ct =>
                {
                    try { return (await Http.GetAsync(server.Url + "/-/ready", ct)).IsSuccessStatusCode; }
                    catch (HttpRequestException) { return false; } // not listening yet
                },
                TimeSpan.FromSeconds(60), () => $"--- prometheus output ---\n{process.Output}\n--- prometheus.yml ---\n{config}", cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>GET an API path; returns its <c>data</c>.</summary>
    public async Task<JsonElement> GetDataAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        var text = await Http.GetStringAsync(Url + pathAndQuery, cancellationToken);
        using var document = JsonDocument.Parse(text);
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").Clone();
    }

    /// <summary>An instant query's result vector (<c>/api/v1/query</c>).</summary>
    public async Task<JsonElement> QueryAsync(string promql, CancellationToken cancellationToken) =>
        (await GetDataAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql), cancellationToken)).GetProperty("result");

    /// <summary>
    /// <c>sum(EXPR)</c> now, or 0 when no series matches: the number to compare with what a load did, e.g.
    /// <c>SumAsync("orleansmail_logins_total{result=\"ok\"}")</c>.
    /// </summary>
    public async Task<double> SumAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await QueryAsync($"sum({expression})", cancellationToken);
        return result.GetArrayLength() == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Polls <see cref="SumAsync"/> until it equals <paramref name="expected"/> (scrapes come every second); returns the last value.</summary>
    public async Task<double> WaitForSumAsync(string expression, double expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        double value;
        while ((value = await SumAsync(expression, cancellationToken)) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(250, cancellationToken);
        return value;
    }

    /// <summary>Every scrape target's job and health (<c>up</c>, <c>down</c>, <c>unknown</c>) with its last error.</summary>
    public async Task<IReadOnlyList<(string Job, string Health, string Error)>> TargetsAsync(CancellationToken cancellationToken)
    {
        var data = await GetDataAsync("/api/v1/targets?state=active", cancellationToken);
        return data.GetProperty("activeTargets").EnumerateArray()
            .Select(t => (t.GetProperty("labels").GetProperty("job").GetString()!, t.GetProperty("health").GetString()!, t.GetProperty("lastError").GetString() ?? ""))
            .ToList();
    }

    /// <summary>Every metric name stored (<c>/api/v1/label/__name__/values</c>).</summary>
    public async Task<IReadOnlySet<string>> MetricNamesAsync(CancellationToken cancellationToken)
    {
        var data = await GetDataAsync("/api/v1/label/__name__/values", cancellationToken);
        return data.EnumerateArray().Select(v => v.GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The label sets of every stored series (<c>/api/v1/series</c>), name included.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> SeriesAsync(CancellationToken cancellationToken)
    {
        var data = await GetDataAsync("/api/v1/series?match[]=" + Uri.EscapeDataString("{__name__=~\".+\"}"), cancellationToken);
        return data.EnumerateArray()
            .Select(s => (IReadOnlyDictionary<string, string>)s.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        await ServerProcess.DeleteDirectoryAsync(Directory);
    }
}
