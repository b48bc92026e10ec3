namespace OrleansMail.Tests.Observability;

/// <summary>
/// The OrleansMail instruments of README "Observability" (its "Metrics" catalog) by the names Prometheus shows them:
/// OpenTelemetry's Prometheus exporter turns dots into underscores, appends the unit (<c>s</c> → <c>_seconds</c>,
/// <c>By</c> → <c>_bytes</c>; annotations such as <c>{login}</c> add nothing) and <c>_total</c> to counters; a
/// histogram is stored as <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series. Checked against a real scrape by
/// <see cref="MetricsEndpointTests.TheExporterNamesInstrumentsAsTheCatalogSays"/>.
/// </summary>
public static class MetricCatalog
{
    public static IReadOnlyList<string> Counters { get; } =
    [
        "orleansmail_connections_opened_total", "orleansmail_connections_rejected_total", "orleansmail_logins_total",
        "orleansmail_tls_handshakes_total", "orleansmail_relay_bytes_total", "orleansmail_upstream_connect_failures_total",
        "orleansmail_config_reloads_total", "orleansmail_auth_http_errors_total", "orleansmail_auth_cache_lookups_total",
        "orleansmail_throttle_engagements_total",
    ];

    public static IReadOnlyList<string> Gauges { get; } =
        ["orleansmail_connections_active", "orleansmail_session_leases", "orleansmail_upstream_pool_members", "orleansmail_ready"];

    public static IReadOnlyList<string> Histograms { get; } =
    [
        "orleansmail_login_duration_seconds", "orleansmail_session_duration_seconds", "orleansmail_upstream_connect_duration_seconds",
        "orleansmail_auth_http_duration_seconds",
    ];

    /// <summary>Every series name the catalog's instruments produce.</summary>
    public static IReadOnlySet<string> SeriesNames { get; } =
        Counters.Concat(Gauges).Concat(Histograms.SelectMany(h => new[] { h + "_bucket", h + "_sum", h + "_count" })).ToHashSet(StringComparer.Ordinal);
}
