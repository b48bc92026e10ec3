using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Grains;

/// <summary>Parsing of reply headers and the decision at the end of headers (src/mail/ngx_mail_auth_http_module.c).</summary>
public sealed class AuthHttpResponseTests
{
    private static LoginAttempt Attempt(MailProtocol protocol = MailProtocol.Imap, AuthMethod method = AuthMethod.Plain, string login = "alice", string secret = "pw") =>
        new(protocol, method, login, secret, method is AuthMethod.Apop or AuthMethod.CramMd5 ? "<1.2@mx>" : null, "192.0.2.1", 1, null,
            new AuthHttpEndpoint("http://127.0.0.1:1/auth", TimeSpan.FromSeconds(1), []));

    private static LoginDecision Decide(LoginAttempt attempt, params (string Name, string Value)[] headers) =>
        AuthHttpDecision.Decide(attempt, AuthHttpResponseParser.Parse(headers.Select(h => KeyValuePair.Create(h.Name, h.Value))));

    private static LoginDecision Decide(params (string Name, string Value)[] headers) => Decide(Attempt(), headers);

    [Fact]
    public void OkWithServerAndPortAllowsWithTheClientsCredentials()
    {
        var d = Decide(("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"));

        Assert.Equal(LoginDecision.Allow("10.0.0.5", 143, "alice", "pw"), d);
    }

    [Fact]
    public void AuthUserAndAuthPassReplaceTheCredentialsRawNotUnescaped()
    {
        var d = Decide(("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"), ("Auth-User", "bob%20x"), ("Auth-Pass", "s%25cret"));

        Assert.Equal(("bob%20x", "s%25cret"), (d.UpstreamLogin, d.UpstreamPassword));
    }

    [Fact]
    public void HeaderNamesAreCaseInsensitive()
    {
        var d = Decide(("auth-status", "OK"), ("AUTH-SERVER", "10.0.0.5"), ("auth-Port", "110"), ("AUTH-user", "carol"));

        Assert.Equal(LoginDecision.Allow("10.0.0.5", 110, "carol", "pw"), d);
    }

    [Fact]
    public void ErrorStatusRefusesWithTheMessage()
    {
        var d = Decide(("Auth-Status", "Invalid login or password"));

        Assert.Equal(LoginDecision.Refuse("Invalid login or password", null, null), d);
    }

    [Fact]
    public void LastErrorWins()
    {
        var d = Decide(("Auth-Status", "first"), ("Auth-Status", "second"));

        Assert.Equal("second", d.Message);
        Assert.Equal(LoginOutcome.Refused, d.Outcome);
    }

    [Fact]
    public void OkAfterAnErrorDoesNotClearIt()
    {
        var d = Decide(("Auth-Status", "[AUTHENTICATIONFAILED] nope"), ("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"));

        Assert.Equal(LoginDecision.Refuse("[AUTHENTICATIONFAILED] nope", null, null), d);
    }

    [Fact]
    public void ErrorAfterOkWins()
    {
        var d = Decide(("Auth-Status", "OK"), ("Auth-Status", "locked"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"));

        Assert.Equal(LoginOutcome.Refused, d.Outcome);
        Assert.Equal("locked", d.Message);
    }

    [Theory]
    [InlineData("ok")]
    [InlineData("OK ")]
    [InlineData("Ok")]
    [InlineData("wait")]
    public void OnlyExactOkOrWaitAreSpecial(string status)
    {
        // The parser trims, so "OK " is OK; lower-case forms are error texts.
        var d = Decide(("Auth-Status", status), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"));

        var expected = status.Trim() == "OK" ? LoginOutcome.Allowed : LoginOutcome.Refused;
        Assert.Equal(expected, d.Outcome);
    }

    [Fact]
    public void ErrorWithAuthWaitRefusesWithTheWaitAndErrorCode()
    {
        var d = Decide(Attempt(MailProtocol.Smtp), ("Auth-Status", "Temporary server problem, try again later"), ("Auth-Error-Code", "451 4.3.0"), ("Auth-Wait", "3"));

        Assert.Equal(LoginDecision.Refuse("Temporary server problem, try again later", TimeSpan.FromSeconds(3), "451 4.3.0"), d);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("+3")]
    [InlineData("3s")]
    [InlineData("")]
    [InlineData("99999999999")]
    public void InvalidZeroOrNegativeAuthWaitIsIgnoredOnErrors(string wait)
    {
        var d = Decide(("Auth-Status", "bad"), ("Auth-Wait", wait));

        Assert.Equal(LoginDecision.Refuse("bad", null, null), d);
    }

    [Fact]
    public void InvalidAuthWaitDoesNotOverrideAnEarlierValidOne()
    {
        var d = Decide(("Auth-Status", "bad"), ("Auth-Wait", "2"), ("Auth-Wait", "x"));

        Assert.Equal(TimeSpan.FromSeconds(2), d.Wait);
    }

    [Fact]
    public void ErrorCodeOutsidePrintableAsciiIsDropped()
    {
        // A control character makes the whole answer invalid (AuthHttpLimitsTests); other unprintable text is dropped.
        var d = Decide(("Auth-Status", "bad"), ("Auth-Error-Code", "451 é"));

        Assert.Equal(LoginOutcome.Refused, d.Outcome);
        Assert.Null(d.SmtpErrorCode);
    }

    [Fact]
    public void WaitWithoutAuthWaitRetriesAfterTheOneSecondFloor()
    {
        Assert.Equal(LoginDecision.RetryAfter(TimeSpan.FromSeconds(1)), Decide(("Auth-Status", "WAIT")));
        Assert.Equal(LoginDecision.RetryAfter(TimeSpan.FromSeconds(1)), Decide(("Auth-Status", "WAIT"), ("Auth-Wait", "0")));
    }

    [Fact]
    public void WaitWithAuthWaitRetriesAfterIt() =>
        Assert.Equal(LoginDecision.RetryAfter(TimeSpan.FromSeconds(4)), Decide(("Auth-Status", "WAIT"), ("Auth-Wait", "4")));

    [Fact]
    public void ErrorBeatsWait() =>
        Assert.Equal(LoginOutcome.Refused, Decide(("Auth-Status", "WAIT"), ("Auth-Status", "no")).Outcome);

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("+143")]
    [InlineData("abc")]
    [InlineData("14 3")]
    [InlineData("")]
    public void BadPortIsAnInternalError(string port)
    {
        var d = Decide(("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", port));

        Assert.Equal(LoginOutcome.InternalError, d.Outcome);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("65535")]
    public void PortBounds(string port) =>
        Assert.Equal(LoginOutcome.Allowed, Decide(("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", port)).Outcome);

    [Fact]
    public void BadPortDoesNotMatterWhenRefused() =>
        Assert.Equal(LoginOutcome.Refused, Decide(("Auth-Status", "no"), ("Auth-Port", "0")).Outcome);

    [Theory]
    [InlineData("imap.example.com", "imap.example.com")]
    [InlineData("backend-1", "backend-1")]
    [InlineData("mail.example.com.", "mail.example.com.")]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("::1", "::1")]
    [InlineData("[2001:db8::1]", "2001:db8::1")]
    public void ServerMayBeAnIpLiteralOrAHostName(string server, string host)
    {
        var d = Decide(("Auth-Status", "OK"), ("Auth-Server", server), ("Auth-Port", "143"));

        Assert.Equal(LoginOutcome.Allowed, d.Outcome);
        Assert.Equal(host, d.UpstreamHost);
    }

    [Theory]
    [InlineData("bad host")]
    [InlineData("a..b")]
    [InlineData("-a.example")]
    [InlineData("a-.example")]
    [InlineData("under_score.example")]
    [InlineData("1.2.3")]
    [InlineData("256.1.1.1")]
    [InlineData("10.0.0.5:143")]
    [InlineData("host\u0001")]
    [InlineData("hösti")]
    [InlineData("[10.0.0.1]")]
    [InlineData("")]
    public void InvalidServerIsAnInternalError(string server)
    {
        var d = Decide(("Auth-Status", "OK"), ("Auth-Server", server), ("Auth-Port", "143"));

        Assert.Equal(LoginOutcome.InternalError, d.Outcome);
    }

    [Fact]
    public void OkWithoutServerOrPortIsAnInternalError()
    {
        Assert.Equal(LoginOutcome.InternalError, Decide(("Auth-Status", "OK"), ("Auth-Port", "143")).Outcome);
        Assert.Equal(LoginOutcome.InternalError, Decide(("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5")).Outcome);
    }

    [Fact]
    public void NoAuthStatusAtAllIsAnInternalError() =>
        Assert.Equal(LoginOutcome.InternalError, Decide(("Auth-Server", "10.0.0.5"), ("Auth-Port", "143")).Outcome);

    [Theory]
    [InlineData(MailProtocol.Imap, AuthMethod.Apop)]
    [InlineData(MailProtocol.Pop3, AuthMethod.Apop)]
    [InlineData(MailProtocol.Imap, AuthMethod.CramMd5)]
    [InlineData(MailProtocol.Pop3, AuthMethod.External)]
    public void ImapAndPop3NeedAPasswordWhenTheClientSentNone(MailProtocol protocol, AuthMethod method)
    {
        var attempt = Attempt(protocol, method, secret: "0123456789abcdef0123456789abcdef");

        var without = Decide(attempt, ("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "110"));
        var with = Decide(attempt, ("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "110"), ("Auth-Pass", "clear"));

        Assert.Equal(LoginDecision.InternalError("auth http server did not send password"), without);
        Assert.Equal(LoginDecision.Allow("10.0.0.5", 110, "alice", "clear"), with);
    }

    [Theory]
    [InlineData(AuthMethod.CramMd5)]
    [InlineData(AuthMethod.External)]
    [InlineData(AuthMethod.None)]
    public void SmtpIsAllowedWithoutAPassword(AuthMethod method)
    {
        var d = Decide(Attempt(MailProtocol.Smtp, method, secret: method == AuthMethod.None ? "" : "digest"), ("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "25"));

        Assert.Equal(LoginDecision.Allow("10.0.0.5", 25, "alice", ""), d);
    }

    [Fact]
    public void UnknownHeadersAreIgnored() =>
        Assert.Equal(LoginOutcome.Allowed, Decide(("X-Foo", "bar"), ("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"), ("Auth-Proxy-SSL", "on")).Outcome);

    [Fact]
    public void ToStringNeverShowsAuthPass() =>
        Assert.DoesNotContain("topsecret", AuthHttpResponseParser.Parse([KeyValuePair.Create("Auth-Pass", "topsecret")]).ToString(), StringComparison.Ordinal);
}
