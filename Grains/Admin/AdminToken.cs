using System.Text;
using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Grains.Admin;

/// <summary>
/// <c>Admin:Token</c>, the admin API's only credential, checked at start-up: at least 32 bytes (256 bits, e.g.
/// <c>openssl rand -base64 32</c>), so it cannot be guessed over the network. A shorter one stops the process with one
/// error line that names the key and never shows the value.
/// </summary>
public static class AdminToken
{
    public const string Key = "Admin:Token";

    public const int MinimumBytes = 32;

    /// <summary>The token, or null when none is set (the admin API is then off); throws for one too short.</summary>
    public static string? From(IConfiguration configuration)
    {
        var section = SettingsSection.Of(configuration, "Admin");
        var token = section.Get("Token")?.Trim();
        // Admin:Listen is the Frontend's (the embedded silo's admin API, Frontend/Hosting/MailProxyApplication.cs).
        section.RefuseUnknownKeys("Listen");
        if (string.IsNullOrEmpty(token)) return null;
        var bytes = Encoding.UTF8.GetByteCount(token);
        if (bytes < MinimumBytes)
            throw new InvalidConfigurationException(Key, "(hidden)", $"the admin token has {bytes} bytes; it needs at least {MinimumBytes} (e.g. openssl rand -base64 32)");
        return token;
    }
}
