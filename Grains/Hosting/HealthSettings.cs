using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// The <c>Health</c> section: <c>Health:Listen</c>, where a Frontend serves /health and /metrics (nginx-style
/// <c>health_listen</c>), and <c>Health:Urls</c>, the Silo's health port (README "Observability"). Each process reads
/// its own key; both know both, so one configuration file serves both, and any other key is refused as a typo.
/// </summary>
public static class HealthSettings
{
    public const string SectionName = "Health";

    public const string ListenKey = "Listen", UrlsKey = "Urls";

    /// <summary>Refuses a key of the section that is neither <c>Listen</c> nor <c>Urls</c>, naming it.</summary>
    public static void RefuseUnknownKeys(IConfiguration configuration) =>
        SettingsSection.Of(configuration, SectionName).RefuseUnknownKeys(ListenKey, UrlsKey);
}
