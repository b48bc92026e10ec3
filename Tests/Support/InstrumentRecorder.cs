using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Tests.Support;

/// <summary>
/// Records one instrument of the <c>OrleansMail</c> meter from each given host (every silo of a test cluster, or one
/// service provider): a <see cref="MetricCollector{T}"/> per host's <see cref="IMeterFactory"/>, so another test's
/// hosts running in parallel never count here.
/// </summary>
public sealed class InstrumentRecorder<T> : IDisposable
    where T : struct
{
    private readonly MetricCollector<T>[] _collectors;

    public InstrumentRecorder(IEnumerable<IServiceProvider> hosts, string instrument) =>
        _collectors = hosts
            .Select(h => new MetricCollector<T>(h.GetRequiredService<IMeterFactory>(), OrleansMailTelemetry.MeterName, instrument))
            .ToArray();

    /// <summary>Every measurement so far, from every host.</summary>
    public IReadOnlyList<CollectedMeasurement<T>> All => _collectors.SelectMany(c => c.GetMeasurementSnapshot()).ToList();

    /// <summary>The measurements carrying at least these tags.</summary>
    public IReadOnlyList<CollectedMeasurement<T>> With(params (string Key, object? Value)[] tags) =>
        All.Where(m => m.ContainsTags(tags.Select(t => KeyValuePair.Create(t.Key, t.Value)).ToArray())).ToList();

    /// <summary>The sum of the values of <see cref="With"/> (a counter's total, an up-down counter's current value).</summary>
    public double Sum(params (string Key, object? Value)[] tags) => With(tags).Sum(m => Convert.ToDouble(m.Value));

    /// <summary>How many measurements <see cref="With"/> has (a histogram's samples).</summary>
    public int Count(params (string Key, object? Value)[] tags) => With(tags).Count;

    /// <summary>Every tag value of every measurement, for the "no login, no address" checks.</summary>
    public IEnumerable<object?> TagValues => All.SelectMany(m => m.Tags.Values);

    /// <summary>Asks each host's observable instrument for its current values (a scrape).</summary>
    public void Observe()
    {
        foreach (var collector in _collectors) collector.RecordObservableInstruments();
    }

    /// <summary>The last observation of each host, with at least these tags.</summary>
    public IReadOnlyList<T> LastObserved(params (string Key, object? Value)[] tags) =>
        _collectors.Select(c => c.GetMeasurementSnapshot()
                .Last(m => m.ContainsTags(tags.Select(t => KeyValuePair.Create(t.Key, t.Value)).ToArray())).Value)
            .ToList();

    public void Dispose()
    {
        foreach (var collector in _collectors) collector.Dispose();
    }
}
