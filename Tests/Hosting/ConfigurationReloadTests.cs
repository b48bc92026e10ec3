using System.Net.Sockets;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Hosting;

/// <summary>
/// Reload of the JSON configuration (<c>--config FILE</c>, read again from disk), in front of a real Dovecot: changed
/// settings reach new connections only, listeners open and close while established sessions carry on, and a
/// configuration that cannot be applied changes nothing. The reload is the one SIGHUP runs
/// (<see cref="ConfigurationReload.ReloadAsync"/>), called directly: a signal would reach every proxy in the test
/// process. The nginx file and <c>-s reload</c> through the real process are in NginxCommandLineProcessTests.
/// </summary>
public sealed class ConfigurationReloadTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _directory = ServerProcess.CreateTempDirectory("orleansmail-reload-");
    private readonly int[] _ports = ServerProcess.GetFreeTcpPorts(5);
    private readonly CapturingLoggerProvider _logs = new();
    private TestAuthServer _auth = null!;
    private WebApplication? _app;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private string ConfigFile => Path.Combine(_directory, "frontend.json");

    public async ValueTask InitializeAsync() =>
        _auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(dovecot.Server.Users, dovecot.Server.Host, dovecot.Server.ImapPort));

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }
        await _auth.DisposeAsync();
        await ServerProcess.DeleteDirectoryAsync(_directory);
    }

    [Fact]
    public async Task ALoggedInSessionSurvivesAReloadThatChangesItsListenerAndNewConnectionsGetTheNewSettings()
    {
        await dovecot.Server.AppendAsync("alice", new MimeMessage([new MailboxAddress("", "a@example.test")], [new MailboxAddress("", "alice@example.test")], "before the reload", new TextPart("plain") { Text = "hello" }), Timeout);
        await StartAsync(("imap", _ports[2], "IMAP4rev1 BEFORE-RELOAD"));
        using var session = await LogInAsync(_ports[2]);
        await using var notLoggedIn = await LineClient.ConnectAsync(_ports[2]);
        Assert.Equal("* OK IMAP4 ready", await notLoggedIn.ReadLineAsync());

        await WriteConfigAsync(("imap", _ports[2], "IMAP4rev1 AFTER-RELOAD"));
        Assert.True(await ReloadAsync());
        Assert.Contains(_logs.Lines, l => l.Contains(": 1 listeners, 0 added, 0 removed (their established sessions continue), 1 changed (new connections get the new settings)", StringComparison.Ordinal));

        // The logged-in session carries on with its upstream: NOOP, SELECT and FETCH after the reload.
        await session.NoOpAsync(Timeout);
        await session.Inbox.OpenAsync(FolderAccess.ReadOnly, Timeout);
        var summaries = await session.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, Timeout);
        Assert.Contains(summaries, s => s.Envelope?.Subject == "before the reload");
        await session.DisconnectAsync(true, Timeout);
        // A connection accepted before the reload keeps the settings it started with; a new one gets the new ones.
        Assert.Contains("BEFORE-RELOAD", await CapabilityAsync(notLoggedIn), StringComparison.Ordinal);
        Assert.Contains("AFTER-RELOAD", await CapabilityOfNewConnectionAsync(_ports[2]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReloadOpensAddedListenersAndClosesRemovedOnesWhileTheirSessionsContinue()
    {
        await StartAsync(("one", _ports[2], "IMAP4rev1 ONE"), ("two", _ports[3], "IMAP4rev1 TWO"));
        using var onRemoved = await LogInAsync(_ports[3]);

        await WriteConfigAsync(("one", _ports[2], "IMAP4rev1 ONE"), ("three", _ports[4], "IMAP4rev1 THREE"));
        Assert.True(await ReloadAsync());
        Assert.Contains(_logs.Lines, l => l.Contains(": 2 listeners, 1 added, 1 removed (their established sessions continue), 0 changed", StringComparison.Ordinal));

        Assert.Contains("THREE", await CapabilityOfNewConnectionAsync(_ports[4]), StringComparison.Ordinal);
        Assert.Contains("ONE", await CapabilityOfNewConnectionAsync(_ports[2]), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<SocketException>(() => ServerProcess.ReadFirstLineAsync(_ports[3], null, Timeout));
        // The session on the closed listener still reaches Dovecot.
        await onRemoved.NoOpAsync(Timeout);
        await onRemoved.Inbox.OpenAsync(FolderAccess.ReadOnly, Timeout);
        await onRemoved.DisconnectAsync(true, Timeout);

        // And the address can be listened on again by a later reload.
        await WriteConfigAsync(("one", _ports[2], "IMAP4rev1 ONE"), ("two", _ports[3], "IMAP4rev1 TWO-AGAIN"));
        Assert.True(await ReloadAsync());
        Assert.Contains("TWO-AGAIN", await CapabilityOfNewConnectionAsync(_ports[3]), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<SocketException>(() => ServerProcess.ReadFirstLineAsync(_ports[4], null, Timeout));
    }

    [Fact]
    public async Task AConfigurationThatCannotBeAppliedChangesNothing()
    {
        await StartAsync(("imap", _ports[2], "IMAP4rev1 GOOD"));
        using var session = await LogInAsync(_ports[2]);

        // A bad value: refused with the key and the value.
        await WriteConfigAsync(("imap", _ports[2], "IMAP4rev1 BAD"));
        await File.WriteAllTextAsync(ConfigFile, (await File.ReadAllTextAsync(ConfigFile, Timeout)).Replace("\"Timeout\": \"10s\"", "\"Timeout\": \"soon\"", StringComparison.Ordinal), Timeout);
        Assert.False(await ReloadAsync());
        Assert.True(_logs.Lines.Any(l => l.Contains("reload refused, the running configuration is unchanged: Invalid configuration: Mail:Timeout = 'soon': expected a time", StringComparison.Ordinal)), string.Join("\n", _logs.Lines.Where(l => l.Contains("reload", StringComparison.Ordinal))));

        // Not JSON at all.
        await File.WriteAllTextAsync(ConfigFile, "{ \"Mail\": ", Timeout);
        Assert.False(await ReloadAsync());

        // Valid values, but a new listener whose address is taken: nothing is applied, not even the capabilities.
        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, _ports[4]);
        squatter.Start();
        await WriteConfigAsync(("imap", _ports[2], "IMAP4rev1 BAD"), ("taken", _ports[4], "IMAP4rev1 BAD"));
        Assert.False(await ReloadAsync());
        squatter.Stop();

        // A certificate that does not load.
        await WriteConfigAsync(("imap", _ports[2], "IMAP4rev1 BAD", null), ("tls", _ports[3], "IMAP4rev1 BAD", Path.Combine(_directory, "missing.crt")));
        Assert.False(await ReloadAsync());
        Assert.Contains(_logs.Lines, l => l.Contains("reload refused, the running configuration is unchanged: cannot load certificate", StringComparison.Ordinal));

        Assert.Equal(4, _logs.Lines.Count(l => l.Contains("reload refused", StringComparison.Ordinal)));
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("applied:", StringComparison.Ordinal));
        Assert.Contains("GOOD", await CapabilityOfNewConnectionAsync(_ports[2]), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<SocketException>(() => ServerProcess.ReadFirstLineAsync(_ports[3], null, Timeout));
        await session.NoOpAsync(Timeout);
        await session.DisconnectAsync(true, Timeout);
    }

    [Fact]
    public async Task ReloadsInQuickSuccessionAreAppliedInTurn()
    {
        await StartAsync(("imap", _ports[2], "IMAP4rev1 FIRST"));
        using var session = await LogInAsync(_ports[2]);
        await WriteConfigAsync(("imap", _ports[2], "IMAP4rev1 SECOND"), ("added", _ports[3], "IMAP4rev1 ADDED"));

        var reload = _app!.Services.GetRequiredService<ConfigurationReload>();
        var results = await Task.WhenAll(reload.ReloadAsync(), reload.ReloadAsync());
        Assert.Equal([true, true], results);
        Assert.Contains(_logs.Lines, l => l.Contains(": 2 listeners, 1 added, 0 removed (their established sessions continue), 1 changed", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, l => l.Contains(": 2 listeners, 0 added, 0 removed (their established sessions continue), 0 changed", StringComparison.Ordinal));
        Assert.Contains("SECOND", await CapabilityOfNewConnectionAsync(_ports[2]), StringComparison.Ordinal);
        Assert.Contains("ADDED", await CapabilityOfNewConnectionAsync(_ports[3]), StringComparison.Ordinal);
        await session.NoOpAsync(Timeout);
        await session.DisconnectAsync(true, Timeout);
    }

    private async Task StartAsync(params (string Name, int Port, string Capabilities, string? Certificate)[] listeners)
    {
        // The ports were free when probed, but another process may take one before the silo binds it (an outgoing
        // connection's ephemeral port, say): then the silo and gateway try again on fresh ones.
        for (var attempt = 1; ; attempt++)
        {
            await WriteConfigAsync(listeners);
            // Only the --config file: not whichever appsettings.json the build copied into the test folder last.
            _app = MailProxyApplication.Build(["--config", ConfigFile],
                configuration =>
                {
                    foreach (var defaults in configuration.Sources.OfType<JsonConfigurationSource>().Where(s => s.Path?.StartsWith("appsettings", StringComparison.Ordinal) == true).ToList())
                        configuration.Sources.Remove(defaults);
                },
                services => services.AddLogging(logging => logging.AddProvider(_logs)));
            try
            {
                await _app.StartAsync(Timeout);
                return;
            }
            catch (Exception e) when (attempt < 4 && ServerProcess.IsAddressInUse(e))
            {
                await _app.DisposeAsync();
                _app = null;
                var fresh = ServerProcess.GetFreeTcpPorts(2);
                (_ports[0], _ports[1]) = (fresh[0], fresh[1]);
            }
        }
    }

    private Task StartAsync(params (string Name, int Port, string Capabilities)[] listeners) =>
        StartAsync(listeners.Select(l => (l.Name, l.Port, l.Capabilities, (string?)null)).ToArray());

    private Task WriteConfigAsync(params (string Name, int Port, string Capabilities)[] listeners) =>
        WriteConfigAsync(listeners.Select(l => (l.Name, l.Port, l.Capabilities, (string?)null)).ToArray());

    /// <summary>The whole configuration file; a listener with a certificate listens with implicit TLS.</summary>
    private Task WriteConfigAsync(params (string Name, int Port, string Capabilities, string? Certificate)[] listeners)
    {
        var servers = listeners.Select(l => l.Certificate is null
            ? new Dictionary<string, string> { ["Name"] = l.Name, ["Listen"] = $"127.0.0.1:{l.Port}", ["Protocol"] = "imap", ["ImapCapabilities"] = l.Capabilities }
            : new Dictionary<string, string>
            {
                ["Name"] = l.Name, ["Listen"] = $"127.0.0.1:{l.Port} ssl", ["Protocol"] = "imap", ["ImapCapabilities"] = l.Capabilities,
                ["SslCertificate"] = l.Certificate, ["SslCertificateKey"] = Path.ChangeExtension(l.Certificate, ".key"),
            });
        var configuration = new Dictionary<string, object>
        {
            ["Mail"] = new Dictionary<string, object> { ["AuthHttp"] = _auth.Url, ["Timeout"] = "10s", ["ServerName"] = "proxy.test", ["Servers"] = servers.ToArray() },
            ["Cluster"] = new Dictionary<string, string> { ["Mode"] = "Embedded", ["SiloPort"] = _ports[0].ToString(), ["GatewayPort"] = _ports[1].ToString() },
            // As ProxyUnderTest: one auth request per login, nginx's behaviour.
            ["LoginPolicy"] = new Dictionary<string, string> { ["auth_cache_ttl"] = "0", ["bruteforce_login_threshold"] = "0", ["bruteforce_address_threshold"] = "0" },
            ["Logging"] = new Dictionary<string, object> { ["LogLevel"] = new Dictionary<string, string> { ["Default"] = "Information", ["Orleans."] = "Warning" } },
        };
        return File.WriteAllTextAsync(ConfigFile, JsonSerializer.Serialize(configuration, new JsonSerializerOptions { WriteIndented = true }), Timeout);
    }

    private Task<bool> ReloadAsync() => _app!.Services.GetRequiredService<ConfigurationReload>().ReloadAsync();

    private static async Task<ImapClient> LogInAsync(int port)
    {
        var client = new ImapClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, Timeout);
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        return client;
    }

    private static async Task<string> CapabilityOfNewConnectionAsync(int port)
    {
        await using var client = await LineClient.ConnectAsync(port);
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync(Wait));
        return await CapabilityAsync(client);
    }

    private static async Task<string> CapabilityAsync(LineClient client)
    {
        await client.SendAsync("c1 CAPABILITY\r\n");
        return string.Join("\n", await client.ReadUntilAsync("c1 ", Wait));
    }
}
