using System.Net;
using System.Net.Sockets;
using System.Text;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Imap;
using OrleansMail.Frontend.Pop3;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Smtp;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Upstreams;

/// <summary>
/// The upstream login of an XOAUTH2/OAUTHBEARER client where a real server cannot be made to behave so, on a scripted
/// upstream, byte for byte: capabilities learnt by a CAPABILITY command, AUTHENTICATE without SASL-IR through the
/// continuation, an upstream that offers no bearer mechanism (the password login with Auth-Pass, or no login at all).
/// </summary>
public sealed class BearerUpstreamFallbackTests : IAsyncDisposable
{
    private const string Token = "ya29.token-value_~";

    private readonly ScriptedUpstream _server = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static UpstreamBearerLogin Bearer(AuthMethod method) => UpstreamBearerLogin.For(method, Token, UpstreamSettings.Default)!;

    private async Task<UpstreamConnection> ConnectAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _server.Port, Ct);
        await _server.AcceptAsync(Ct);
        return new UpstreamConnection(socket, "127.0.0.1", UpstreamSettings.Default);
    }

    /// <summary>Plays the server: sends each even step, expects each odd step as the proxy's next line.</summary>
    private async Task PlayAsync(params string[] steps)
    {
        for (var i = 0; i < steps.Length; i++)
        {
            if (i % 2 == 0) await _server.SendAsync(steps[i], Ct);
            else Assert.Equal(steps[i], await _server.ReadLineAsync(Ct));
        }
    }

    [Fact]
    public async Task ImapAsksForCapabilitiesAndUsesTheContinuationWithoutSaslIr()
    {
        await using var upstream = await ConnectAsync();
        var bearer = Bearer(AuthMethod.OAuthBearer);
        var login = ImapUpstreamLogin.LoginAsync(upstream, "x7", "bob", "", bearer, 4096, null, Ct);

        await PlayAsync(
            "* OK ready\r\n", "C1 CAPABILITY\r\n",
            "* CAPABILITY IMAP4rev1 auth=oauthbearer AUTH=PLAIN\r\nC1 OK done\r\n", "x7 AUTHENTICATE OAUTHBEARER\r\n",
            "+ \r\n", bearer.InitialResponse("bob") + "\r\n",
            "x7 OK logged in\r\n");

        Assert.Equal(new UpstreamLoginResult(true, "x7 OK logged in\r\n"), await login);
    }

    [Fact]
    public async Task ImapAnswersAnErrorChallengeOnceAndRelaysTheFailure()
    {
        await using var upstream = await ConnectAsync();
        var bearer = Bearer(AuthMethod.XOAuth2);
        var login = ImapUpstreamLogin.LoginAsync(upstream, "x7", "bob", "", bearer, 4096, null, Ct);

        await PlayAsync(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\r\n", $"x7 AUTHENTICATE XOAUTH2 {bearer.InitialResponse("bob")}\r\n",
            "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n", "AQ==\r\n",
            "x7 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");

        Assert.Equal(new UpstreamLoginResult(false, "x7 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"), await login);
    }

    [Fact]
    public async Task ImapLogsInWithAuthPassWhenTheUpstreamDoesNotAdvertiseTheMechanism()
    {
        await using var upstream = await ConnectAsync();
        var login = ImapUpstreamLogin.LoginAsync(upstream, "x7", "bob", "app-pw", Bearer(AuthMethod.XOAuth2), 4096, null, Ct);

        await PlayAsync(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=OAUTHBEARER] ready\r\n", "x7 LOGIN {3}\r\n",
            "+ go\r\n", "bob {6}\r\n",
            "+ go\r\n", "app-pw\r\n",
            "x7 OK logged in\r\n");

        Assert.True((await login).Succeeded);
    }

    [Fact]
    public async Task ImapDoesNotTryWithoutTheMechanismOrAnAuthPass()
    {
        await using var upstream = await ConnectAsync();
        var login = ImapUpstreamLogin.LoginAsync(upstream, "x7", "bob", "", Bearer(AuthMethod.XOAuth2), 4096, null, Ct);

        await PlayAsync("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");

        Assert.Equal(UpstreamLoginResult.NotAttempted("the upstream does not advertise XOAUTH2 and the auth server returned no Auth-Pass for a password login"), await login);
        await upstream.DisposeAsync();
        Assert.Null(await _server.ReadLineAsync(Ct));
    }

    [Fact]
    public async Task Pop3LogsInWithUserPassWhenCapaOffersNoBearerMechanism()
    {
        await using var upstream = await ConnectAsync();
        var login = Pop3UpstreamLogin.LoginAsync(upstream, "bob", "app-pw", Bearer(AuthMethod.OAuthBearer), 4096, Ct);

        await PlayAsync(
            "+OK ready\r\n", "CAPA\r\n",
            "+OK\r\nUSER\r\nSASL PLAIN XOAUTH2\r\n.\r\n", "USER bob\r\n",
            "+OK\r\n", "PASS app-pw\r\n",
            "+OK logged in\r\n");

        Assert.Equal(new UpstreamLoginResult(true, "+OK logged in\r\n"), await login);
    }

    [Fact]
    public async Task SmtpDoesNotTryWithoutTheMechanismOrAnAuthPass()
    {
        await using var upstream = await ConnectAsync();
        var plan = new SmtpUpstreamPlan("proxy.test", "client.example", true, false, ProxySmtpAuth: true, "127.0.0.1", null, null, "[UNAVAILABLE]",
            "bob", "", null, null, Bearer(AuthMethod.OAuthBearer));
        var login = SmtpUpstreamLogin.LoginAsync(upstream, plan, 4096, Ct);

        await PlayAsync("220 ready\r\n", "EHLO proxy.test\r\n", "250-mx\r\n250-AUTH PLAIN XOAUTH2\r\n250 8BITMIME\r\n");

        Assert.Equal(UpstreamLoginResult.NotAttempted("the upstream does not advertise OAUTHBEARER and the auth server returned no Auth-Pass for a password login"), await login);
    }

    [Fact]
    public void TheOAuthBearerMessageEscapesTheUserAndToStringHidesTheToken()
    {
        var bearer = Bearer(AuthMethod.OAuthBearer);
        var message = Encoding.UTF8.GetString(Convert.FromBase64String(bearer.InitialResponse("a,b=c")));

        Assert.Equal($"n,a=a=2Cb=3Dc,\u0001auth=Bearer {Token}\u0001\u0001", message);
        Assert.Equal($"user=a,b=c\u0001auth=Bearer {Token}\u0001\u0001",
            Encoding.UTF8.GetString(Convert.FromBase64String(Bearer(AuthMethod.XOAuth2).InitialResponse("a,b=c"))));
        Assert.DoesNotContain(Token, bearer.ToString(), StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
