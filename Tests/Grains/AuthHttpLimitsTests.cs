using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// Hostile or broken auth server answers: Auth-Wait and Auth-Cache-TTL are clamped, control characters in the values
/// that reach a reply line, an upstream command or a log line make the answer invalid (the internal-error reply).
/// </summary>
public sealed class AuthHttpLimitsTests
{
    private static LoginAttempt Attempt() =>
        new(MailProtocol.Smtp, AuthMethod.Plain, "alice", "pw", null, "192.0.2.1", 1, null, new AuthHttpEndpoint("http://127.0.0.1:1/auth", TimeSpan.FromSeconds(1), []));

    private static LoginDecision Decide(params (string Name, string Value)[] headers) =>
        AuthHttpDecision.Decide(Attempt(), AuthHttpResponseParser.Parse(headers.Select(h => KeyValuePair.Create(h.Name, h.Value))));

    [Fact]
    public void AuthWaitIsClampedOnRefusalsAndOnWait()
    {
        Assert.Equal(AuthHttpLimits.MaxWait, Decide(("Auth-Status", "Invalid login"), ("Auth-Wait", "999999999")).Wait);
        Assert.Equal(AuthHttpLimits.MaxWait, Decide(("Auth-Status", "WAIT"), ("Auth-Wait", "86400")).Wait);
        Assert.Equal(TimeSpan.FromSeconds(3), Decide(("Auth-Status", "Invalid login"), ("Auth-Wait", "3")).Wait);
        Assert.Equal(TimeSpan.FromMinutes(5), AuthHttpLimits.MaxWait);
    }

    [Fact]
    public void AuthCacheTtlIsClamped()
    {
        Assert.Equal(TimeSpan.FromDays(1), AuthHttpLimits.CacheTtl(int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(30), AuthHttpLimits.CacheTtl(30));
    }

    [Theory]
    [InlineData("Auth-User", "bob\r\nA1 DELETE INBOX")]
    [InlineData("Auth-User", "bob\u001b[31m")]
    [InlineData("Auth-Pass", "pw\nQUIT")]
    [InlineData("Auth-Pass", "pw\u0000")]
    [InlineData("Auth-Server", "10.0.0.5\u007f")]
    public void AControlCharacterInAnOkAnswerMakesItInvalid(string header, string value)
    {
        var decision = Decide(("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"), (header, value));

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
        Assert.Contains(header, decision.Message);
        Assert.DoesNotContain(value, decision.Message);
    }

    [Theory]
    [InlineData("Auth-Status", "Invalid\r\n* OK injected")]
    [InlineData("Auth-Status", "OK\u0001")]
    [InlineData("Auth-Error-Code", "535 5.7.8\r\n250 OK")]
    public void AControlCharacterInARefusalMakesItInvalid(string header, string value)
    {
        var headers = header == "Auth-Status" ? new[] { (header, value) } : [("Auth-Status", "Invalid login"), (header, value)];

        Assert.Equal(LoginOutcome.InternalError, Decide(headers).Outcome);
    }

    [Fact]
    public void PrintableUtf8IsFine()
    {
        var decision = Decide(("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"), ("Auth-User", "jürgen@example.org"), ("Auth-Pass", "p w"));

        Assert.Equal(LoginOutcome.Allowed, decision.Outcome);
    }
}
