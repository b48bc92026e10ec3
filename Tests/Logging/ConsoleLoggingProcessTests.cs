using System.Globalization;
using MailKit.Net.Imap;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Logging;

/// <summary>
/// The default console of the real Frontend process (JSON configuration, appsettings.json as shipped): OrleansMail's
/// own events, not the per-call information lines of Orleans and Polly (two per grain placement); the one setting
/// <c>Logging:LogLevel:Default=Information</c> brings those back.
/// </summary>
public sealed class ConsoleLoggingProcessTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>
{
    private const string PollyLine = "Resilience pipeline executed";

    [Fact]
    public async Task TheDefaultConsoleShowsTheProxysEventsAndNotTheLibrariesPerCallLines()
    {
        var output = await LogInAndReadConsoleAsync(verboseLibraries: false);
        Assert.Contains("client logged in", output, StringComparison.Ordinal);
        Assert.Contains("client: 127.0.0.1", output, StringComparison.Ordinal); // the session's fields as scope
        Assert.DoesNotContain(PollyLine, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Execution attempt", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneSettingBringsTheLibrariesInformationLinesBack()
    {
        var output = await LogInAndReadConsoleAsync(verboseLibraries: true);
        Assert.Contains("client logged in", output, StringComparison.Ordinal);
        Assert.Contains(PollyLine, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoppingAfterLoginsFromOneAddressLogsNoErrorAndNoStackTrace()
    {
        // Two users from one address: the address grain holds a throttle lease for each login grain, which its
        // deactivation at shutdown used to revoke from login grains already gone: one Orleans placement error with
        // its stack trace per holder on the console.
        var output = await LogInAndReadConsoleAsync(verboseLibraries: false, logins: 2, stop: true);
        Assert.Contains("client logged in", output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Execution attempt", output, StringComparison.Ordinal);
    }

    private async Task<string> LogInAndReadConsoleAsync(bool verboseLibraries, int logins = 1, bool stop = false)
    {
        var server = dovecot.Server;
        await using var auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(server.Users, server.Host, server.ImapPort));
        var ports = ServerProcess.GetFreeTcpPorts(3);
        string Port(int i) => ports[i].ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string>
        {
            ["Cluster:SiloPort"] = Port(0),
            ["Cluster:GatewayPort"] = Port(1),
            ["Cluster:ClusterId"] = $"console-{Guid.NewGuid():N}",
            ["Mail:AuthHttp"] = auth.Url,
            ["Mail:Servers:0:Listen"] = $"127.0.0.1:{Port(2)}",
            ["Mail:Servers:0:Protocol"] = "imap",
        };
        if (verboseLibraries) settings["Logging:LogLevel:Default"] = "Information";
        await using var app = DotnetAppProcess.Start("Frontend", settings, "frontend (console)");
        await app.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(ports[2], null, ct) is not null,
            TimeSpan.FromSeconds(60), "the IMAP greeting");

        foreach (var user in server.Users.Take(logins))
        {
            using var imap = new ImapClient { Timeout = 15_000 };
            await imap.ConnectAsync("127.0.0.1", ports[2], SecureSocketOptions.None, TestContext.Current.CancellationToken);
            await imap.AuthenticateAsync(user.Key, user.Value, TestContext.Current.CancellationToken);
            await imap.DisconnectAsync(true, TestContext.Current.CancellationToken);
        }
        await app.WaitUntilAsync(_ => Task.FromResult(app.Output.Contains("client logged in", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "the login line");
        if (stop)
        {
            app.Terminate();
            Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        return app.Output;
    }
}
