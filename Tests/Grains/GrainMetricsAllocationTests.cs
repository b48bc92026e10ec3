using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Login;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The grains' measurements on a login's path allocate nothing, even with a listener taking every measurement (as the
/// OpenTelemetry SDK does): tags are structs of constant strings (README "Observability").
/// </summary>
public sealed class GrainMetricsAllocationTests
{
    [Fact]
    public void MeasurementsOnTheLoginPathAllocateNothingWhileListenedTo()
    {
        using var services = new ServiceCollection().AddGrainMetrics().BuildServiceProvider();
        var metrics = services.GetRequiredService<GrainMetrics>();
        var factory = services.GetRequiredService<IMeterFactory>();
        long counted = 0;
        double seconds = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => counted += value);
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => seconds += value);
        listener.Start();

        void OneLogin()
        {
            metrics.CacheLookup(MailProtocol.Imap, hit: false);
            metrics.AuthHttpAnswered(MailProtocol.Imap, TelemetryLabels.AuthHttpResult.Error, TelemetryLabels.AuthHttpError.Timeout, TimeSpan.FromMilliseconds(5));
            metrics.ThrottleEngaged(ThrottleRule.RepeatedRefusal);
            metrics.SessionLeasesChanged(TelemetryLabels.LeaseScope.Login, 1);
        }

        OneLogin(); // first use: JIT, instrument state
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) OneLogin();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1001 * 4, counted); // cache lookup, auth error, engagement, lease
        Assert.Equal(1001 * 0.005, seconds, 6);
    }
}
