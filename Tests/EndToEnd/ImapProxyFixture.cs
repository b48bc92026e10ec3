using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A real Dovecot, a real HTTP auth server that knows Dovecot's users, and an OrleansMail Frontend (embedded silo)
/// in front of them, shared by the tests of one class. Listeners: <c>imap</c> (defaults),
/// <c>passerror</c> (proxy_pass_error_message on), <c>mechs</c> (imap_auth plain login cram-md5 external),
/// <c>strict</c> (max_errors 2, imap_client_buffer 256, timeout 2s), <c>shortrelay</c> (proxy_timeout 2s).
/// </summary>
public sealed class ImapProxyFixture : IAsyncLifetime
{
    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    /// <summary>What the auth server answers a login no test set an answer for (<see cref="ProxyStack.AnswerFor"/>): Dovecot's users with their passwords.</summary>
    public Func<RecordedAuthRequest, AuthReply> DefaultHandler { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // Dovecot's default auth_username_chars refuses non-ASCII logins; real deployments with IDN users open it up.
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync(
            [("alice", "alice-password"), ("bob", "bob-password"), ("j\u00f6rg@example.com", "p\u00e4ss w\"rd")],
            extraConfig: "auth_username_chars ="));
        DefaultHandler = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort);
        await Stack.StartAuthAsync(DefaultHandler);
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "3s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]>
            {
                ["imap"] = [],
                ["passerror"] = [("ProxyPassErrorMessage", "on")],
                ["mechs"] = [("ImapAuth", "plain login cram-md5 external"), ("ImapCapabilities", "IMAP4rev1 SASL-IR")],
                ["strict"] = [("MaxErrors", "2"), ("ImapClientBuffer", "256"), ("Timeout", "2s")],
                ["shortrelay"] = [("ProxyTimeout", "2s")],
            });
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
    }
}
