using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Real Dovecot (IMAP, POP3), real Postfix (SMTP), a real auth server that sends each protocol to its backend, and a
/// Frontend (embedded silo) with <c>session_limit_per_login_address 2</c> and <c>session_lease_ttl 6s</c> (renewed
/// every 2 s), with its admin API. Listeners <c>imap</c>, <c>pop3</c>, <c>smtp</c>.
/// </summary>
public sealed class SessionLimitProxyFixture : IAsyncLifetime
{
    public const string AdminToken = "session-admin-token-0123456789abcdef-0123";

    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(6);

    public DovecotServer Dovecot { get; private set; } = null!;

    public PostfixServer Postfix { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    public string AdminUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password"), ("bob", "bob-password"), ("carol", "carol-password"), ("dave", "dave-password")]));
        Postfix = await Stack.StartAsync(PostfixServer.StartAsync());
        var imap = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort);
        var pop3 = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.Pop3Port);
        var smtp = TestAuthServer.UsersAndPasswords(Dovecot.Users, Postfix.Host, Postfix.Port);
        await Stack.StartAuthAsync(request => request["Auth-Protocol"] switch
        {
            "pop3" => pop3(request),
            "smtp" => smtp(request),
            _ => imap(request),
        });
        var adminPort = ServerProcess.GetFreeTcpPorts(1)[0];
        AdminUrl = $"http://127.0.0.1:{adminPort}";
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "20s")],
            new Dictionary<string, (string, string)[]>
            {
                ["imap"] = [],
                ["pop3"] = [("Protocol", "pop3")],
                ["smtp"] = [("Protocol", "smtp")],
            },
            [
                ("LoginPolicy:session_limit_per_login_address", "2"),
                ("LoginPolicy:session_lease_ttl", $"{LeaseTtl.TotalSeconds}s"),
                ("Admin:Listen", $"127.0.0.1:{adminPort}"),
                ("Admin:Token", AdminToken),
            ]);
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
    }
}
