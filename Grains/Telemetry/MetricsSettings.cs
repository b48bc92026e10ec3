using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// The <c>Metrics</c> section (README "Observability"): <c>Enabled</c> (nginx <c>metrics</c>, default on; off means no
/// meter provider at all, the benchmark's metrics-off variant) and <c>AnonymousScrape</c> (nginx
/// <c>metrics_anonymous_scrape</c>, default off: <c>/metrics</c> asks for <c>Admin:Token</c> as the admin API does).
/// </summary>
public sealed record MetricsSettings(bool Enabled, bool AnonymousScrape)
{
    public const string Section = "Metrics";

    public static MetricsSettings From(IConfiguration configuration)
    {
        var section = SettingsSection.Of(configuration, Section, SettingsSection.SnakeCase);
        var settings = new MetricsSettings(section.Bool("Enabled", true), section.Bool("AnonymousScrape", false));
        section.RefuseUnknownKeys();
        return settings;
    }
}
