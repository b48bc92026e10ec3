using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Admin;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// <c>GET /metrics</c>, the Prometheus scrape endpoint (OpenTelemetry.Exporter.Prometheus.AspNetCore), on the HTTP port
/// of each process (Silo: <c>Health:Urls</c>; Frontend: <c>Health:Listen</c>). It is guarded as the admin API is:
/// <c>Admin:Token</c> as <c>Authorization: Bearer</c> (Prometheus' <c>authorization</c> / <c>bearer_token_file</c>) or
/// as the password of HTTP Basic, through the same <see cref="AdminRequestGuard"/>; only
/// <c>Metrics:AnonymousScrape=true</c> lets anyone scrape. With neither it is not served at all (404) and a warning
/// at start-up says why.
/// </summary>
public static partial class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>Maps <see cref="Path"/> as the settings allow; returns whether it did.</summary>
    public static bool MapOrleansMailMetrics(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<MetricsSettings>();
        if (!settings.Enabled) return false;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsEndpoint).FullName!);
        var token = AdminToken.From(app.Configuration);
        if (token is null && !settings.AnonymousScrape)
        {
            LogNotServed(logger);
            return false;
        }

        if (settings.AnonymousScrape)
        {
            app.MapPrometheusScrapingEndpoint(Path);
            return true;
        }

        var guard = new AdminRequestGuard(new AdminCredentials(token!), app.Services.GetRequiredService<ILogger<AdminRequestGuard>>());
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null,
            configureBranchedPipeline: branch => branch.Use((context, next) => guard.InvokeAsync(context, () => next(context))), optionsName: null);
        return true;
    }

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
        Message = "/metrics is not served: it needs Admin:Token (admin_token), or Metrics:AnonymousScrape=true (metrics_anonymous_scrape on) to serve it without one")]
    private static partial void LogNotServed(ILogger logger);
}
