using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Micro;

/// <summary>
/// What the front end's instruments cost per event (README "Observability"): a login (counter and histogram), a relayed
/// chunk, a connection's open and close. <c>Listening=false</c> is a process without an exporter; <c>true</c> has a
/// <see cref="MeterListener"/> on every OrleansMail instrument that sums the values, the least any exporter does.
/// "Allocated" is per operation and must stay 0.
/// </summary>
[MemoryDiagnoser]
public class FrontendMetricsBenchmarks
{
    private ServiceProvider _services = null!;
    private FrontendMetrics _metrics = null!;
    private ListenerLabels _labels = null!;
    private System.Diagnostics.TagList _chunkTags;
    private MeterListener? _listener;
    private double _sum;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _metrics = new FrontendMetrics(_services.GetRequiredService<IMeterFactory>());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mail:AuthHttp"] = "http://127.0.0.1:9000/auth",
            ["Mail:Servers:0:Listen"] = "127.0.0.1:143",
            ["Mail:Servers:0:Protocol"] = "imap",
        }).Build();
        _labels = new ListenerLabels(ConfigurationSnapshot.FromConfiguration(configuration).Servers.Single());
        _chunkTags = FrontendMetrics.RelayTags(_labels, "upstream_to_client");
        if (!Listening) return;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == OrleansMailTelemetry.MeterName) listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => _sum += value);
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _sum += value);
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _services.Dispose();
    }

    [Benchmark]
    public void Login() => _metrics.Login(_labels, LoginMechanism.Login, LoginResult.Ok, TimeSpan.FromMilliseconds(12));

    [Benchmark]
    public void RelayChunk()
    {
        if (_metrics.RelayBytesEnabled) _metrics.RelayBytes(16384, _chunkTags);
    }

    [Benchmark]
    public void ConnectionOpenAndClose()
    {
        _metrics.ConnectionOpened(_labels);
        _metrics.ConnectionClosed(_labels);
    }
}
