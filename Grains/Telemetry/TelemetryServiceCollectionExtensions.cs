using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// The one OpenTelemetry registration of every OrleansMail process (Silo and Frontend; README "Observability"):
/// which meters and activity sources are exported, to the Prometheus scrape endpoint (<see cref="MetricsEndpoint"/>)
/// and, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, over OTLP. The OTLP exporter reads the standard variables
/// itself (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>, <c>_TIMEOUT</c>, the per-signal endpoints,
/// <c>OTEL_METRIC_EXPORT_INTERVAL</c>, <c>OTEL_BSP_*</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>).
/// Logs are not exported over OTLP: log lines name logins and client addresses, which the operator's log files keep.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>OpenTelemetry's variable that turns OTLP export on.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// The exported meters: OrleansMail's own, Orleans' (<c>Microsoft.Orleans</c>, every orleans-* instrument), the
    /// .NET runtime's built-in one (<c>System.Runtime</c>, .NET 9 and later), Kestrel's (connections of the HTTP port,
    /// and of the mail listeners), and HttpClient's (the auth_http requests).
    /// </summary>
    public static IReadOnlyList<string> Meters { get; } =
        [OrleansMailTelemetry.MeterName, "Microsoft.Orleans", "System.Runtime", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http"];

    /// <summary>
    /// The traced activity sources: the login trace (<see cref="OrleansMailTelemetry.ActivitySource"/>), Orleans' grain
    /// calls (<c>Microsoft.Orleans.Application</c> for grain methods, <c>.Runtime</c> for its system calls) and
    /// HttpClient's own span of each auth_http request (<c>System.Net.Http</c>, .NET 9 and later).
    /// </summary>
    public static IReadOnlyList<string> ActivitySources { get; } =
        [OrleansMailTelemetry.ActivitySourceName, "Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime", "System.Net.Http"];

    /// <summary>
    /// Registers the meter provider (unless <c>Metrics:Enabled</c> is off) with the Prometheus exporter, and with OTLP
    /// metrics and traces when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Without OTLP no tracer provider is built:
    /// spans nobody exports would cost every login for nothing.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration: <c>Metrics:*</c> and the OTEL_* variables.</param>
    /// <param name="serviceName">service.name of the resource unless <c>OTEL_SERVICE_NAME</c> says otherwise.</param>
    public static IServiceCollection AddOrleansMailTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var metrics = MetricsSettings.From(configuration);
        services.AddSingleton(metrics);
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);
        // Read here so that a bad value stops the start, whether or not traces are exported.
        var traceLogins = GrainKeyRedaction.TraceLogins(configuration);
        if (!metrics.Enabled && !otlp) return services;

        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource =>
        {
            // The SDK's environment detector reads OTEL_SERVICE_NAME; an explicit service would override it.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"])) resource.AddService(serviceName);
        });
        if (metrics.Enabled)
        {
            telemetry.WithMetrics(meters =>
            {
                meters.AddMeter([.. Meters]).AddPrometheusExporter();
                if (otlp)
                {
                    meters.AddOtlpExporter((_, reader) =>
                    {
                        // The specification's OTEL_METRIC_EXPORT_INTERVAL (milliseconds, default 60000), read here
                        // explicitly: the exporter registered this way was seen to keep its default.
                        if (int.TryParse(configuration["OTEL_METRIC_EXPORT_INTERVAL"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var interval) && interval > 0)
                            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
                    });
                }
            });
        }
        // The redaction runs before the exporter's processor, so no grain key is ever exported.
        if (otlp) telemetry.WithTracing(traces => traces.AddSource([.. ActivitySources]).AddProcessor(new GrainKeyRedaction(traceLogins)).AddOtlpExporter());
        return services;
    }
}
