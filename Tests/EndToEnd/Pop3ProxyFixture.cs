using System.Security.Cryptography;
using System.Text;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A real Dovecot (POP3), a real HTTP auth server that knows Dovecot's users, and an OrleansMail Frontend (embedded
/// silo) in front of them, shared by the tests of one class. Listeners, all POP3: <c>pop3</c> (defaults),
/// <c>passerror</c> (proxy_pass_error_message on), <c>mechs</c> (pop3_auth plain apop cram-md5 external),
/// <c>apoponly</c> (pop3_auth apop), <c>strict</c> (max_errors 2, pop3_client_buffer 256, timeout 2s).
/// </summary>
public sealed class Pop3ProxyFixture : IAsyncLifetime
{
    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    /// <summary>
    /// What the auth server answers a login no test set an answer for (<see cref="ProxyStack.AnswerFor"/>): Dovecot's users; plain compares the password, apop and cram-md5 check
    /// the digest against the salt and hand the clear password back in Auth-Pass, as a real auth server must.
    /// (The auth server's reply must fit nginx's 1 KB header limit: a 1000-byte Auth-Pass would not.)
    /// </summary>
    public Func<RecordedAuthRequest, AuthReply> DefaultHandler { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync(
            [("alice", "alice-password"), ("bob", "bob-password"), ("carol", ("carol has spaces " + new string('p', 1000))[..1000])]));
        DefaultHandler = UsersWithDigests(Dovecot.Users, Dovecot.Host, Dovecot.Pop3Port);
        await Stack.StartAuthAsync(DefaultHandler);
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "3s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]>
            {
                ["pop3"] = [("Protocol", "pop3")],
                ["passerror"] = [("Protocol", "pop3"), ("ProxyPassErrorMessage", "on")],
                ["mechs"] = [("Protocol", "pop3"), ("Pop3Auth", "plain apop cram-md5 external")],
                ["apoponly"] = [("Protocol", "pop3"), ("Pop3Auth", "apop"), ("Pop3Capabilities", "TOP UIDL")],
                ["strict"] = [("Protocol", "pop3"), ("MaxErrors", "2"), ("Pop3ClientBuffer", "256"), ("Timeout", "2s")],
            });
    }

    /// <summary>APOP's digest (RFC 1939 §7): MD5 of the greeting's timestamp followed by the secret, lower-case hex.</summary>
    public static string ApopDigest(string salt, string password) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(salt + password)));

    /// <summary>CRAM-MD5's digest (RFC 2195): HMAC-MD5 of the challenge keyed with the secret, lower-case hex.</summary>
    public static string CramMd5Digest(string salt, string password) =>
        Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes(password), Encoding.ASCII.GetBytes(salt)));

    internal static Func<RecordedAuthRequest, AuthReply> UsersWithDigests(IReadOnlyDictionary<string, string> users, string host, int port) =>
        request =>
        {
            if (request.Decoded("Auth-User") is not { } user || !users.TryGetValue(user, out var password))
                return AuthReply.Fail("Invalid login or password");
            var secret = request.Decoded("Auth-Pass");
            var salt = request["Auth-Salt"] ?? "";
            var matches = request["Auth-Method"] switch
            {
                "plain" => secret == password,
                "apop" => secret == ApopDigest(salt, password),
                "cram-md5" => secret == CramMd5Digest(salt, password),
                _ => false,
            };
            if (!matches) return AuthReply.Fail("Invalid login or password");
            // The client's own password goes upstream for plain (and keeps the reply within nginx's 1 KB for long ones).
            return request["Auth-Method"] == "plain" ? AuthReply.Ok(host, port) : AuthReply.Ok(host, port, pass: password);
        };

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
    }
}
