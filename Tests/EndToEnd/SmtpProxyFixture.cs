using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A real Postfix, a real HTTP auth server and an OrleansMail Frontend (embedded silo) with SMTP listeners, shared
/// by the tests of one class. The auth server knows alice/alice-password and bob/bob-password and sends every
/// allowed login, and every <c>Auth-Method: none</c> request, to Postfix. Listeners: <c>smtp</c> (defaults),
/// <c>mechs</c> (smtp_auth plain login cram-md5 external, smtp_capabilities), <c>none</c> (smtp_auth plain login
/// none), <c>onlynone</c> (smtp_auth none), <c>strict</c> (max_errors 2, smtp_client_buffer 256, timeout 3s),
/// <c>delay</c> (smtp_greeting_delay 1s), <c>passerror</c> (proxy_pass_error_message on), <c>noxclient</c>
/// (xclient off), <c>proxyauth</c> (proxy_smtp_auth on).
/// </summary>
public sealed class SmtpProxyFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> Users =
        new Dictionary<string, string> { ["alice"] = "alice-password", ["bob"] = "bob-password" };

    public PostfixServer Postfix { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    /// <summary>What the auth server answers a login no test set an answer for (<see cref="ProxyStack.AnswerFor"/>).</summary>
    public Func<RecordedAuthRequest, AuthReply> DefaultHandler { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Postfix = await Stack.StartAsync(PostfixServer.StartAsync());
        var users = TestAuthServer.UsersAndPasswords(Users, Postfix.Host, Postfix.Port);
        DefaultHandler = request => request["Auth-Method"] == "none" ? AuthReply.Ok(Postfix.Host, Postfix.Port) : users(request);
        await Stack.StartAuthAsync(DefaultHandler);
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]>
            {
                ["smtp"] = Smtp(),
                ["mechs"] = Smtp(("SmtpAuth", "plain login cram-md5 external"), 
                    ("SmtpCapabilities:0", "PIPELINING"), ("SmtpCapabilities:1", "SIZE 10240000"), ("SmtpCapabilities:2", "8BITMIME")),
                ["none"] = Smtp(("SmtpAuth", "plain login none")),
                ["onlynone"] = Smtp(("SmtpAuth", "none")),
                ["strict"] = Smtp(("MaxErrors", "2"), ("SmtpClientBuffer", "256"), ("Timeout", "3s")),
                ["delay"] = Smtp(("SmtpGreetingDelay", "1s")),
                ["passerror"] = Smtp(("ProxyPassErrorMessage", "on"), ("SmtpAuth", "plain login none")),
                ["noxclient"] = Smtp(("Xclient", "off"), ("SmtpAuth", "plain login none")),
                ["proxyauth"] = Smtp(("ProxySmtpAuth", "on")),
            });
    }

    private static (string, string)[] Smtp(params (string, string)[] settings) => [("Protocol", "smtp"), .. settings];

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
    }
}
