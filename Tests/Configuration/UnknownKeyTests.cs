using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Tests.Configuration;

/// <summary>
/// README "Configuration": a key a section does not know is refused, naming it, in every section; and every key an
/// nginx directive maps onto is one its section's reader knows. (The built programs: InvalidConfigurationTests.)
/// </summary>
public sealed class UnknownKeyTests
{
    /// <summary>Every section's reader, each on its own, as the Frontend and the Silo read them at start-up.</summary>
    private static readonly Action<IConfiguration>[] Readers =
    [
        c => MailSettingsReader.Read(c),
        c => ClusterSettings.From(c, ClusterMode.Localhost),
        c => LoginPolicySettings.From(c),
        c => UpstreamPoolSettings.From(c),
        c => MetricsSettings.From(c),
        c => GrainKeyRedaction.TraceLogins(c),
        c => AdminToken.From(c),
        HealthSettings.RefuseUnknownKeys,
    ];

    private static IConfiguration With(string key, string value) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Mail:AuthHttp"] = "127.0.0.1:9000/auth",
        ["Mail:Servers:0:Listen"] = "127.0.0.1:1143",
        ["Mail:Servers:0:Protocol"] = "imap",
        ["Mail:Upstreams:0:Address"] = "10.0.0.5:993",
        [key] = value,
    }).Build();

    /// <summary>The errors the readers give for <paramref name="configuration"/>, one per reader that refuses it.</summary>
    private static List<InvalidConfigurationException> Errors(IConfiguration configuration)
    {
        var errors = new List<InvalidConfigurationException>();
        foreach (var read in Readers)
        {
            try { read(configuration); }
            catch (InvalidConfigurationException e) { errors.Add(e); }
        }
        return errors;
    }

    [Theory]
    [InlineData("Mail:Timout", "30s")]
    [InlineData("Mail:Servers:0:MaxErorrs", "3")]
    [InlineData("Mail:Upstreams:0:ProxySsll", "on")]
    [InlineData("Cluster:ProbeTimout", "2s")]
    [InlineData("Cluster:Tls:Certficate", "/etc/om/member.pem")]
    [InlineData("LoginPolicy:BruteforceWindwo", "15m")]
    [InlineData("LoginPolicy:auth_cache_tll", "60s")]
    [InlineData("UpstreamPools:CheckIntervall", "5s")]
    [InlineData("UpstreamPools:imap_upstream_pools", "10.0.0.1:143")]
    [InlineData("Metrics:Enable", "off")]
    [InlineData("Telemetry:TraceLogin", "on")]
    [InlineData("Admin:Tokn", "0123456789abcdef0123456789abcdef")]
    [InlineData("Health:Listn", "127.0.0.1:8083")]
    public void ATypoInAnySectionIsRefusedNamingTheKey(string key, string value)
    {
        var error = Assert.Single(Errors(With(key, value)));
        Assert.Equal(key, error.Key);
        Assert.Equal(value, error.Value);
        Assert.StartsWith("unknown setting", error.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"Invalid configuration: {key} = '{value}': unknown setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidConfigurationAloneIsAccepted() => Assert.Empty(Errors(With("Mail:Timeout", "30s")));

    /// <summary>
    /// An nginx file's directives become these keys (NginxConfigurationMapper): each must be one its section reads. A
    /// key the reader reads gives no error or a value error; only an unread one gives "unknown setting".
    /// </summary>
    public static TheoryData<string> MappedSectionKeys() => new(NginxDirectives.All
        .Where(d => d.Status == NginxDirectiveStatus.Mapped && d.ConfigurationKey.Contains(':'))
        .Select(d => d.ConfigurationKey));

    [Theory]
    [MemberData(nameof(MappedSectionKeys))]
    public void EveryKeyAnNginxDirectiveSetsIsKnownToItsSection(string key)
    {
        Assert.DoesNotContain(Errors(With(key, "\u00a7")), e => e.Reason.StartsWith("unknown setting", StringComparison.Ordinal));
        Assert.DoesNotContain(Errors(With(key + ":0", "\u00a7")), e => e.Reason.StartsWith("unknown setting", StringComparison.Ordinal));
    }
}
