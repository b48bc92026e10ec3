using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Two real Dovecots as the IMAP pool (separate folders and ports), a real auth server that says OK without naming
/// an upstream, and a Frontend (embedded silo) with the pool, checks every second (2 to fall, 2 to rise) and the
/// admin API. Each Dovecot holds a message in alice's and bob's INBOX whose subject names it, so a client can tell
/// through the proxy which backend it reached.
/// </summary>
public sealed class UpstreamPoolProxyFixture : IAsyncLifetime
{
    public const string AdminToken = "pool-admin-token-0123456789abcdef-0123";

    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private static readonly (string, string)[] Users = [("alice", "alice-password"), ("bob", "bob-password")];

    public DovecotServer[] Backends { get; } = new DovecotServer[2];

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    public string AdminUrl { get; private set; } = "";

    public static string Address(DovecotServer backend) => $"{backend.Host}:{backend.ImapPort}";

    public async ValueTask InitializeAsync()
    {
        for (var i = 0; i < Backends.Length; i++)
        {
            Backends[i] = await Stack.StartAsync(DovecotServer.StartAsync(Users));
            await BackendMarkers.AppendAsync(Backends[i], i, Users.Select(u => u.Item1));
        }

        var users = Users.ToDictionary(u => u.Item1, u => u.Item2);
        await Stack.StartAuthAsync(request =>
            request.Decoded("Auth-User") is { } user && users.TryGetValue(user, out var password) && request.Decoded("Auth-Pass") == password
                ? AuthReply.With(("Auth-Status", "OK"))
                : AuthReply.Fail("Invalid login or password"));
        var adminPort = ServerProcess.GetFreeTcpPorts(1)[0];
        AdminUrl = $"http://127.0.0.1:{adminPort}";
        await Stack.StartProxyAsync(
            [("Timeout", "10s")],
            new Dictionary<string, (string, string)[]> { ["imap"] = [] },
            [
                ("UpstreamPools:Imap:0", Address(Backends[0])),
                ("UpstreamPools:Imap:1", Address(Backends[1])),
                ("UpstreamPools:upstream_check_interval", "1s"),
                ("UpstreamPools:upstream_check_timeout", "2s"),
                ("UpstreamPools:upstream_check_fails", "2"),
                ("UpstreamPools:upstream_check_passes", "2"),
                ("Admin:Listen", $"127.0.0.1:{adminPort}"),
                ("Admin:Token", AdminToken),
            ]);
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}
