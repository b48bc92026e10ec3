using System.Diagnostics;
using System.Globalization;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// The built programs refuse an unusable configuration at start-up: they exit non-zero within seconds, and stderr
/// names the key, so an operator (or a container orchestrator's log) sees exactly what to fix.
/// </summary>
public sealed class InvalidConfigurationTests
{
    public static TheoryData<string, string, string, string> Cases => new()
    {
        // project, key, bad value, the key stderr must name
        { "Frontend", "Cluster:Mode", "Redis", "Cluster:Redis" },
        { "Frontend", "Mail:Servers:0:Listen", "nonsense", "Mail:Servers:0:Listen" },
        { "Frontend", "Cluster:Mode", "Galaxy", "Cluster:Mode" },
        { "Silo", "Cluster:Mode", "Embedded", "Cluster:Mode" },
        { "Silo", "Cluster:Mode", "Redis", "Cluster:Redis" },
        { "Silo", "LoginPolicy:bruteforce_window", "forever", "LoginPolicy:bruteforce_window" },
        { "Frontend", "LoginPolicy:trusted_networks", "10.0.0.0/99", "LoginPolicy:trusted_networks" },
        // A misspelt key, in any section, is refused rather than left at its default (README "Configuration").
        { "Frontend", "Mail:Timout", "30s", "Mail:Timout" },
        { "Frontend", "Cluster:ProbeTimout", "2s", "Cluster:ProbeTimout" },
        { "Silo", "LoginPolicy:BruteforceWindwo", "15m", "LoginPolicy:BruteforceWindwo" },
        { "Silo", "UpstreamPools:CheckIntervall", "5s", "UpstreamPools:CheckIntervall" },
        { "Silo", "Health:Url", "http://127.0.0.1:8081", "Health:Url" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheProgramExitsNonZeroNamingTheKey(string project, string key, string value, string namedKey)
    {
        var settings = ValidSettings(project);
        settings[key] = value;

        var started = Stopwatch.StartNew();
        await using var app = DotnetAppProcess.Start(project, settings, $"{project} with {key}={value}");
        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(20));
        var took = started.Elapsed;

        Assert.True(exitCode != 0, $"{app.Name} exited with 0\n{app.Diagnostics()}");
        Assert.Contains($"Invalid configuration: {namedKey} ", app.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", app.Output, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(10), $"{app.Name} took {took} to refuse its configuration\n{app.Diagnostics()}");
    }

    [Theory]
    [InlineData("Frontend")]
    [InlineData("Silo")]
    public async Task AnAdminTokenShorterThan32BytesStopsStartUpWithOneLineThatDoesNotShowIt(string project)
    {
        const string token = "short-admin-token-31-bytes-long";
        var settings = ValidSettings(project);
        settings["Admin:Token"] = token;
        var (line, output) = await TheOnlyErrorLineAsync(project, settings, $"{project} with a short admin token");

        Assert.Contains("Invalid configuration: Admin:Token ", line, StringComparison.Ordinal);
        Assert.Contains("at least 32", line, StringComparison.Ordinal);
        Assert.DoesNotContain(token, output, StringComparison.Ordinal);
    }

    /// <summary>Starts the program, which must exit non-zero with one line on stderr: that line, and all it wrote.</summary>
    private static async Task<(string Line, string Output)> TheOnlyErrorLineAsync(string project, Dictionary<string, string> settings, string name)
    {
        await using var app = DotnetAppProcess.Start(project, settings, name);
        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode != 0, $"{app.Name} exited with 0\n{app.Diagnostics()}");
        return (Assert.Single(app.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), app.Output);
    }

    [Theory]
    [InlineData("Frontend")]
    [InlineData("Silo")]
    public async Task ABadRedisConnectionStringIsRefusedWithoutShowingItsPassword(string project)
    {
        const string password = "redis-secret-7f3a9c";
        var settings = ValidSettings(project);
        settings["Cluster:Mode"] = "Redis";
        settings["Cluster:Redis"] = $"127.0.0.1:6379,password={password},connectTimeout=soon";
        await using var app = DotnetAppProcess.Start(project, settings, $"{project} with a bad Redis connection string");
        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode != 0, $"{app.Name} exited with 0\n{app.Diagnostics()}");
        Assert.Contains("Invalid configuration: Cluster:Redis ", app.StandardError, StringComparison.Ordinal);
        Assert.Contains("password=*****", app.StandardError, StringComparison.Ordinal);
        Assert.Contains("connectTimeout", app.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(password, app.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Frontend")]
    [InlineData("Silo")]
    public async Task ARedisClusterWithoutTransportTlsRefusesToStartNamingTheKey(string project)
    {
        // Neither Cluster:Tls:Certificate nor an explicit Cluster:Tls:Mode=Off (README "Cluster security").
        var settings = ValidSettings(project);
        settings["Cluster:Mode"] = "Redis";
        settings["Cluster:Redis"] = $"127.0.0.1:{RawTcpResponder.UnusedPort()}";
        var (line, _) = await TheOnlyErrorLineAsync(project, settings, $"{project} on Redis without cluster TLS");

        Assert.Contains("Invalid configuration: Cluster:Tls:Mode ", line, StringComparison.Ordinal);
        Assert.Contains("Cluster:Tls:Mode=Off", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloThatCannotReachRedisNeverShowsThePassword()
    {
        const string password = "redis-secret-b81d04";
        var settings = ValidSettings("Silo");
        foreach (var (key, value) in ClusterTestCertificates.Shared.MemberSettings()) settings[key] = value;
        settings["Cluster:Mode"] = "Redis";
        settings["Cluster:Redis"] = $"127.0.0.1:{RawTcpResponder.UnusedPort()},password={password},connectTimeout=500";
        await using var app = DotnetAppProcess.Start("Silo", settings, "Silo with an unreachable Redis");
        // It fails to join (or keeps retrying); either way what it writes about the connection string is checked.
        try { await app.WaitForExitAsync(TimeSpan.FromSeconds(20)); }
        catch (TimeoutException) { await app.StopAsync(TimeSpan.FromSeconds(5)); }

        Assert.Contains("redis", app.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(password, app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameSettingsWithoutTheBadValueStartTheFrontend()
    {
        // The control for the cases above: the valid base configuration does start (Embedded silo, one listener).
        var settings = ValidSettings("Frontend");
        await using var app = DotnetAppProcess.Start("Frontend", settings, "Frontend, valid");
        var port = int.Parse(settings["Mail:Servers:0:Listen"].Split(':')[1], CultureInfo.InvariantCulture);
        await app.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(port, null, ct) == FrontendProcess.Greeting,
            TimeSpan.FromSeconds(30), "the IMAP greeting", TestContext.Current.CancellationToken);
        Assert.False(app.HasExited);
    }

    /// <summary>A configuration the program would start with (free ports, so a start by mistake disturbs nothing).</summary>
    private static Dictionary<string, string> ValidSettings(string project)
    {
        var ports = ServerProcess.GetFreeTcpPorts(3);
        var settings = new Dictionary<string, string>
        {
            ["Cluster:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = "invalid-config-" + Guid.NewGuid().ToString("N")[..8],
        };
        if (project == "Silo")
        {
            settings["Health:Urls"] = $"http://127.0.0.1:{ports[2].ToString(CultureInfo.InvariantCulture)}";
        }
        else
        {
            settings["Mail:AuthHttp"] = "http://127.0.0.1:9/auth";
            settings["Mail:Servers:0:Listen"] = $"127.0.0.1:{ports[2].ToString(CultureInfo.InvariantCulture)}";
            settings["Mail:Servers:0:Protocol"] = "imap";
        }

        return settings;
    }
}
