using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Authentication;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Frontend.Telemetry;

/// <summary>
/// Every instrument of the front end, in the <c>OrleansMail</c> meter (README "Observability" lists them with their
/// labels). Created once per host from its <see cref="IMeterFactory"/>, so each host (and each test's host) has its
/// own. Label values are bounded sets only, never a login, a client address or a session id; each method checks the
/// instrument's <see cref="Instrument.Enabled"/> first, so nothing is computed when no exporter listens, and tags
/// travel in a <see cref="System.Diagnostics.TagList"/> (no allocation per measurement).
/// </summary>
internal sealed class FrontendMetrics
{
    /// <summary>Latency buckets in seconds (OpenTelemetry's semantic-convention advice for durations).</summary>
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];

    /// <summary>Session lengths in seconds: a POP3 download to a day-long IMAP IDLE.</summary>
    private static readonly double[] SessionBuckets = [0.1, 1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400];

    private readonly Counter<long> _connectionsOpened;
    private readonly UpDownCounter<long> _connectionsActive;
    private readonly Counter<long> _connectionsRejected;
    private readonly Counter<long> _logins;
    private readonly Histogram<double> _loginDuration;
    private readonly Counter<long> _tlsHandshakes;
    private readonly Counter<long> _relayBytes;
    private readonly Histogram<double> _sessionDuration;
    private readonly Histogram<double> _upstreamConnectDuration;
    private readonly Counter<long> _upstreamConnectFailures;
    private readonly Counter<long> _configReloads;

    public FrontendMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(OrleansMailTelemetry.MeterName);
        _connectionsOpened = meter.CreateCounter<long>("orleansmail.connections.opened", "{connection}",
            "Client connections accepted by a mail listener (including those then rejected).");
        _connectionsActive = meter.CreateUpDownCounter<long>("orleansmail.connections.active", "{connection}",
            "Client connections open now.");
        _connectionsRejected = meter.CreateCounter<long>("orleansmail.connections.rejected", "{connection}",
            "Client connections closed before their session could start, by reason.");
        _logins = meter.CreateCounter<long>("orleansmail.logins", "{login}",
            "Login attempts by mechanism and result.");
        _loginDuration = meter.CreateHistogram("orleansmail.login.duration", "s",
            "From accept to relay start (ok), or to the reply that ends the attempt.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _tlsHandshakes = meter.CreateCounter<long>("orleansmail.tls.handshakes", "{handshake}",
            "Client TLS handshakes (implicit TLS and STARTTLS/STLS) by protocol version and result.");
        _relayBytes = meter.CreateCounter<long>("orleansmail.relay.bytes", "By",
            "Bytes relayed after login, by direction.");
        _sessionDuration = meter.CreateHistogram("orleansmail.session.duration", "s",
            "Relayed sessions, from relay start to end, by how they ended.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SessionBuckets });
        _upstreamConnectDuration = meter.CreateHistogram("orleansmail.upstream.connect.duration", "s",
            "Connecting to an upstream (TCP, PROXY header, implicit TLS).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _upstreamConnectFailures = meter.CreateCounter<long>("orleansmail.upstream.connect.failures", "{failure}",
            "Failures to connect to an upstream or to log in there, by kind.");
        _configReloads = meter.CreateCounter<long>("orleansmail.config.reloads", "{reload}",
            "Configuration reloads (SIGHUP) by result.");
    }

    /// <summary>A connection was accepted; it is active until <see cref="ConnectionClosed"/>.</summary>
    public void ConnectionOpened(ListenerLabels listener)
    {
        if (_connectionsOpened.Enabled) _connectionsOpened.Add(1, listener.Tags());
        // Not guarded by Enabled: a listener that attaches between open and close must not see a close without its open.
        _connectionsActive.Add(1, listener.Tags());
    }

    public void ConnectionClosed(ListenerLabels listener) => _connectionsActive.Add(-1, listener.Tags());

    /// <summary>A connection refused before its session: <c>worker_connections</c>, <c>prelogin_per_address</c>, <c>tls_handshake</c>, <c>proxy_header</c>.</summary>
    public void ConnectionRejected(ListenerLabels listener, string reason)
    {
        if (!_connectionsRejected.Enabled) return;
        var tags = listener.Tags();
        tags.Add("reason", reason);
        _connectionsRejected.Add(1, tags);
    }

    public void Login(ListenerLabels listener, LoginMechanism mechanism, LoginResult result, TimeSpan duration)
    {
        if (_logins.Enabled)
        {
            var tags = listener.Tags();
            tags.Add("mechanism", mechanism.Label());
            tags.Add("result", result.Label());
            _logins.Add(1, tags);
        }
        if (_loginDuration.Enabled)
        {
            var tags = listener.Tags();
            tags.Add("result", result.Label());
            _loginDuration.Record(duration.TotalSeconds, tags);
        }
    }

    /// <summary>A client handshake: its version when it succeeded, null when it failed.</summary>
    public void TlsHandshake(ListenerLabels listener, SslProtocols? version)
    {
        if (!_tlsHandshakes.Enabled) return;
        var tags = listener.Tags();
        tags.Add("tls.protocol.version", TlsVersionLabel(version));
        tags.Add("result", version is null ? "failed" : "ok");
        _tlsHandshakes.Add(1, tags);
    }

    /// <summary><c>1.2</c>, <c>1.3</c>, <c>other</c>, or <c>none</c> for a failed handshake (OpenTelemetry's tls.protocol.version).</summary>
    public static string TlsVersionLabel(SslProtocols? version) => version switch
    {
        null => "none",
        SslProtocols.Tls12 => "1.2",
        SslProtocols.Tls13 => "1.3",
        _ => "other",
    };

    /// <summary>Whether relayed bytes are being counted, so the relay may skip the call per chunk.</summary>
    public bool RelayBytesEnabled => _relayBytes.Enabled;

    /// <summary>Tags for <see cref="RelayBytes"/>, built once per relay and direction.</summary>
    public static TagList RelayTags(ListenerLabels listener, string direction)
    {
        var tags = listener.Tags();
        tags.Add("direction", direction);
        return tags;
    }

    /// <summary>One forwarded chunk.</summary>
    public void RelayBytes(long bytes, in TagList directionTags) => _relayBytes.Add(bytes, directionTags);

    /// <summary>A relayed session ended (relay start to end).</summary>
    public void SessionEnded(ListenerLabels listener, SessionEnd end, TimeSpan duration)
    {
        if (!_sessionDuration.Enabled) return;
        var tags = listener.Tags();
        tags.Add("end", end.Label());
        _sessionDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>One connection attempt to an upstream; <paramref name="pool"/> is the protocol's pool or <c>auth_server</c>.</summary>
    public void UpstreamConnect(string protocol, string pool, string upstream, bool succeeded, TimeSpan duration)
    {
        if (!_upstreamConnectDuration.Enabled) return;
        var tags = new TagList { { "protocol", protocol }, { "pool", pool }, { "upstream", upstream }, { "result", succeeded ? "ok" : "failed" } };
        _upstreamConnectDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>A failure to connect to an upstream or to log in there; <paramref name="errorType"/> is an <see cref="UpstreamErrorType"/>.</summary>
    public void UpstreamFailure(string protocol, string pool, string upstream, string errorType)
    {
        if (!_upstreamConnectFailures.Enabled) return;
        var tags = new TagList { { "protocol", protocol }, { "pool", pool }, { "upstream", upstream }, { "error.type", errorType } };
        _upstreamConnectFailures.Add(1, tags);
    }

    public void ConfigReload(bool succeeded) => _configReloads.Add(1, new KeyValuePair<string, object?>("result", succeeded ? "ok" : "failed"));
}
