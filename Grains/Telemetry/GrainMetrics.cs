using System.Diagnostics.Metrics;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// The grains' instruments in the <c>OrleansMail</c> meter (README "Observability"), one per silo (a singleton of the
/// silo's services, created from its <see cref="IMeterFactory"/>). Every label value is a constant of
/// <see cref="TelemetryLabels"/> or a <see cref="Login.ThrottleRule"/>; tags are passed as structs, so a measurement
/// allocates nothing, and costs a flag check when nothing listens.
/// </summary>
public sealed class GrainMetrics
{
    /// <summary>
    /// Bucket bounds in seconds for the duration histograms: OpenTelemetry's HTTP duration buckets (its semantic
    /// conventions, http.server.request.duration); the SDK's default bounds are meant for milliseconds.
    /// </summary>
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    };

    private readonly Meter _meter;
    private readonly Histogram<double> _authHttpDuration;
    private readonly Counter<long> _authHttpErrors;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _throttleEngagements;
    private readonly UpDownCounter<long> _sessionLeases;

    public GrainMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(OrleansMailTelemetry.MeterName);
        _authHttpDuration = _meter.CreateHistogram<double>("orleansmail.auth_http.duration", "s",
            "Duration of auth_http requests, by how the auth server answered (result: ok, refused, wait, error).", advice: SecondsBuckets);
        _authHttpErrors = _meter.CreateCounter<long>("orleansmail.auth_http.errors", "{error}",
            "auth_http requests that got no usable answer, by kind (error.type).");
        _cacheLookups = _meter.CreateCounter<long>("orleansmail.auth.cache.lookups", "{lookup}",
            "Login decisions that consulted the auth-decision cache, answered from it (hit) or not (miss).");
        _throttleEngagements = _meter.CreateCounter<long>("orleansmail.throttle.engagements", "{engagement}",
            "Login decisions taken by a brute-force rule instead of the auth server, by rule.");
        _sessionLeases = _meter.CreateUpDownCounter<long>("orleansmail.session.leases", "{lease}",
            "Session leases held against the session limits, by the table holding them (scope: login, address).");
    }

    /// <summary>The auth server answered (or failed to) after <paramref name="elapsed"/>; <paramref name="errorType"/> set for result error.</summary>
    public void AuthHttpAnswered(MailProtocol protocol, string result, string? errorType, TimeSpan elapsed)
    {
        var protocolTag = ProtocolTag(protocol);
        _authHttpDuration.Record(elapsed.TotalSeconds, protocolTag, new("result", result));
        if (errorType is not null) _authHttpErrors.Add(1, protocolTag, new("error.type", errorType));
    }

    /// <summary>A decision consulted the auth-decision cache.</summary>
    public void CacheLookup(MailProtocol protocol, bool hit) =>
        _cacheLookups.Add(1, ProtocolTag(protocol), new("result", hit ? TelemetryLabels.CacheResult.Hit : TelemetryLabels.CacheResult.Miss));

    /// <summary>A brute-force rule took a decision (<see cref="Login.ThrottleRule"/>).</summary>
    public void ThrottleEngaged(string rule) => _throttleEngagements.Add(1, new KeyValuePair<string, object?>("rule", rule));

    /// <summary>Leases were added (positive) to or dropped (negative) from a table of <paramref name="scope"/>.</summary>
    public void SessionLeasesChanged(string scope, int delta)
    {
        if (delta != 0) _sessionLeases.Add(delta, new KeyValuePair<string, object?>("scope", scope));
    }

    /// <summary>
    /// Publishes <c>orleansmail.upstream.pool.members</c>: <paramref name="observe"/> runs at each collection (a scrape),
    /// never on a login's path. Called once, by the silo's <see cref="Upstreams.UpstreamHealthCache"/>.
    /// </summary>
    public void ObservePoolMembers(Func<IEnumerable<Measurement<int>>> observe) =>
        _meter.CreateObservableGauge("orleansmail.upstream.pool.members", observe, "{upstream}",
            "Upstreams of each pool by state (up, down, draining, maintenance), as this silo's health cache sees them.");

    private static KeyValuePair<string, object?> ProtocolTag(MailProtocol protocol) => new("protocol", TelemetryLabels.Protocol(protocol));
}
