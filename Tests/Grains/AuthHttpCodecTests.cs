using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Grains;

/// <summary>The request builder's URL cache and the reply parser over a real <see cref="HttpResponseMessage"/>.</summary>
public sealed class AuthHttpCodecTests
{
    [Fact]
    public void TheUrlCacheNeverHandsOutAnotherUrlsUri()
    {
        // Alternating URLs replace the cached one each time; every answer must still match its own URL.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("http://127.0.0.1:9000/auth", AuthHttpRequest.ParseUrl("127.0.0.1:9000/auth").AbsoluteUri);
            Assert.Equal("https://auth.example/check?x=1", AuthHttpRequest.ParseUrl("https://auth.example/check?x=1").AbsoluteUri);
        }
    }

    [Fact]
    public void AnInvalidUrlStillFailsAfterAValidOneWasCached()
    {
        AuthHttpRequest.ParseUrl("http://127.0.0.1:9000/auth");
        Assert.Throws<FormatException>(() => AuthHttpRequest.ParseUrl("ftp://127.0.0.1/auth"));
        Assert.Throws<FormatException>(() => AuthHttpRequest.ParseUrl("ftp://127.0.0.1/auth"));
    }

    [Fact]
    public void RequestsForTheSameUrlCarryTheirOwnHeaders()
    {
        var endpoint = new AuthHttpEndpoint("http://127.0.0.1:9000/auth", TimeSpan.FromSeconds(1), []);
        using var first = AuthHttpRequest.Create(new LoginAttempt(MailProtocol.Imap, AuthMethod.Plain, "alice", "a pw", null, "192.0.2.1", 1, null, endpoint));
        using var second = AuthHttpRequest.Create(new LoginAttempt(MailProtocol.Imap, AuthMethod.Plain, "bob", "b%pw", null, "192.0.2.2", 2, null, endpoint));

        Assert.Equal(first.RequestUri, second.RequestUri);
        Assert.Equal(["alice"], first.Headers.GetValues("Auth-User"));
        Assert.Equal(["a%20pw"], first.Headers.GetValues("Auth-Pass"));
        Assert.Equal(["bob"], second.Headers.GetValues("Auth-User"));
        Assert.Equal(["b%25pw"], second.Headers.GetValues("Auth-Pass"));
        Assert.Equal(["2"], second.Headers.GetValues("Auth-Login-Attempt"));
    }

    [Fact]
    public void AReplyIsReadFromResponseAndContentHeadersInOrder()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        response.Headers.TryAddWithoutValidation("Auth-Status", "OK");
        response.Headers.TryAddWithoutValidation("auth-server", " 10.0.0.5 ");
        response.Headers.TryAddWithoutValidation("Auth-Port", ["110", "143"]);
        response.Headers.TryAddWithoutValidation("Auth-Wait", "x");
        response.Headers.TryAddWithoutValidation("X-Unrelated", "ignored");
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");

        var parsed = AuthHttpResponseParser.Parse(response);

        Assert.True(parsed.Ok);
        Assert.Equal("10.0.0.5", parsed.Server);
        Assert.Equal("143", parsed.Port);
        Assert.Null(parsed.WaitSeconds);
        Assert.Null(parsed.Error);
    }

    [Fact]
    public void AnErrorWithAuthWaitKeepsBoth()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("Auth-Status", "Invalid login or password");
        response.Headers.TryAddWithoutValidation("Auth-Wait", "3");
        response.Headers.TryAddWithoutValidation("Auth-Error-Code", "535 5.7.8");

        var parsed = AuthHttpResponseParser.Parse(response);

        Assert.Equal(("Invalid login or password", 3, "535 5.7.8"), (parsed.Error, parsed.WaitSeconds, parsed.ErrorCode));
    }
}
