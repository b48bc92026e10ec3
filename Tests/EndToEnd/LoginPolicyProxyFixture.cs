using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Real Dovecot, a real auth server that counts requests, and a Frontend (embedded silo) with the login policy on
/// (cache 60 s, throttling 5 per login and address, short delays to keep tests quick) and its admin API on
/// <see cref="AdminUrl"/>. Listeners: <c>imap</c>, and <c>imapdown</c>, <c>pop3down</c>, <c>smtpdown</c> whose
/// auth server is not listening.
/// </summary>
public sealed class LoginPolicyProxyFixture : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789abcdef-0123";

    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    public string AdminUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password"), ("bob", "bob-password"), ("carol", "carol-password")]));
        await Stack.StartAuthAsync(TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort));
        var down = $"http://127.0.0.1:{RawTcpResponder.UnusedPort()}/auth";
        var adminPort = ServerProcess.GetFreeTcpPorts(1)[0];
        AdminUrl = $"http://127.0.0.1:{adminPort}";
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "3s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]>
            {
                ["imap"] = [],
                ["imapdown"] = [("AuthHttp", down)],
                ["pop3down"] = [("Protocol", "pop3"), ("AuthHttp", down)],
                ["smtpdown"] = [("Protocol", "smtp"), ("AuthHttp", down)],
            },
            [
                ("LoginPolicy:auth_cache_ttl", "60s"),
                ("LoginPolicy:bruteforce_login_threshold", "5"),
                ("LoginPolicy:bruteforce_address_threshold", "20"),
                ("LoginPolicy:bruteforce_delay", "100ms"),
                ("LoginPolicy:bruteforce_delay_max", "200ms"),
                ("Admin:Listen", $"127.0.0.1:{adminPort}"),
                ("Admin:Token", AdminToken),
            ]);
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
    }
}
