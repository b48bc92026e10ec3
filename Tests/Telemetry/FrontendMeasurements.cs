using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Tests.Telemetry;

/// <summary>
/// Collects every front-end instrument of one proxy's <c>OrleansMail</c> meter (its own IMeterFactory) from the moment
/// it is made, with Microsoft.Extensions.Diagnostics.Testing's <see cref="MetricCollector{T}"/>.
/// </summary>
internal sealed class FrontendMeasurements : IDisposable
{
    private static readonly string[] Counters =
    [
        "orleansmail.connections.opened", "orleansmail.connections.active", "orleansmail.connections.rejected", "orleansmail.logins",
        "orleansmail.tls.handshakes", "orleansmail.relay.bytes", "orleansmail.upstream.connect.failures", "orleansmail.config.reloads",
    ];

    private static readonly string[] Histograms =
        ["orleansmail.login.duration", "orleansmail.session.duration", "orleansmail.upstream.connect.duration"];

    private readonly Dictionary<string, MetricCollector<long>> _counters;
    private readonly Dictionary<string, MetricCollector<double>> _histograms;

    public FrontendMeasurements(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _counters = Counters.ToDictionary(n => n, n => new MetricCollector<long>(factory, OrleansMailTelemetry.MeterName, n));
        _histograms = Histograms.ToDictionary(n => n, n => new MetricCollector<double>(factory, OrleansMailTelemetry.MeterName, n));
    }

    /// <summary>The counter's measurements whose tags include all of <paramref name="tags"/>.</summary>
    public IReadOnlyList<CollectedMeasurement<long>> Counter(string name, params (string Key, object? Value)[] tags) =>
        _counters[name].GetMeasurementSnapshot().Where(m => Matches(m.Tags, tags)).ToList();

    /// <summary>The sum of the counter's measurements whose tags include all of <paramref name="tags"/>.</summary>
    public long Sum(string name, params (string Key, object? Value)[] tags) => Counter(name, tags).Sum(m => m.Value);

    public IReadOnlyList<CollectedMeasurement<double>> Histogram(string name, params (string Key, object? Value)[] tags) =>
        _histograms[name].GetMeasurementSnapshot().Where(m => Matches(m.Tags, tags)).ToList();

    /// <summary>Every tag value of every measurement so far, of every instrument.</summary>
    public IEnumerable<object?> AllTagValues() =>
        _counters.Values.SelectMany(c => c.GetMeasurementSnapshot()).SelectMany(m => m.Tags.Values)
            .Concat(_histograms.Values.SelectMany(c => c.GetMeasurementSnapshot()).SelectMany(m => m.Tags.Values));

    /// <summary>Waits until <paramref name="condition"/> holds (a session's last measurements follow its close), up to 10 s.</summary>
    public static async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var waited = 0; !condition(); waited += 50)
        {
            Assert.True(waited < 10_000, $"timed out waiting for {what}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static bool Matches(IReadOnlyDictionary<string, object?> actual, (string Key, object? Value)[] expected) =>
        expected.All(t => actual.TryGetValue(t.Key, out var value) && Equals(value, t.Value));

    public void Dispose()
    {
        foreach (var collector in _counters.Values) collector.Dispose();
        foreach (var collector in _histograms.Values) collector.Dispose();
    }
}
