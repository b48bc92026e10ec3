using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The request exactly as it goes on the wire (order, raw UTF-8) and replies Kestrel cannot produce,
/// through <see cref="AuthHttpClient"/> without a cluster.
/// </summary>
public sealed class AuthHttpWireTests : IAsyncDisposable
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ServiceProvider _services;

    public AuthHttpWireTests() =>
        _services = new ServiceCollection().AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)).AddAuthHttpClient().BuildServiceProvider();

    private AuthHttpClient Client => _services.GetRequiredService<AuthHttpClient>();

    private static LoginAttempt Attempt(string url, TimeSpan? timeout = null, TlsFacts? tls = null, AuthMethod method = AuthMethod.CramMd5) =>
        new(MailProtocol.Pop3, method, "jürgen doe", "p%ss wörd", "<123.456@mx.example>", "198.51.100.7", 2, tls,
            new AuthHttpEndpoint(url, timeout ?? TimeSpan.FromSeconds(5), [KeyValuePair.Create("X-Auth-Key", "k 1"), KeyValuePair.Create("X-Second", "two")]));

    [Fact]
    public async Task RequestHeadersGoInNginxOrderAsRawUtf8()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nAuth-Status: nope\r\n\r\n"));
        var tls = new TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "SUCCESS", "CN=alice", "CN=ca", "0A1B", "abcdef", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

        var decision = await Client.DecideAsync(Attempt(raw.Url, tls: tls), TestContext.Current.CancellationToken);

        Assert.Equal(LoginDecision.Refuse("nope", null, null), decision);
        var request = Encoding.UTF8.GetString(Assert.Single(raw.Requests));
        var expected =
            "GET /auth HTTP/1.1\r\n" +
            $"Host: 127.0.0.1:{raw.Port}\r\n" +
            "Auth-Method: cram-md5\r\n" +
            "Auth-User: jürgen%20doe\r\n" +
            "Auth-Pass: p%25ss%20wörd\r\n" +
            "Auth-Salt: <123.456@mx.example>\r\n" +
            "Auth-Protocol: pop3\r\n" +
            "Auth-Login-Attempt: 2\r\n" +
            "Client-IP: 198.51.100.7\r\n" +
            "Auth-SSL: on\r\n" +
            "Auth-SSL-Protocol: TLSv1.3\r\n" +
            "Auth-SSL-Cipher: TLS_AES_256_GCM_SHA384\r\n" +
            "Auth-SSL-Verify: SUCCESS\r\n" +
            "Auth-SSL-Subject: CN=alice\r\n" +
            "Auth-SSL-Issuer: CN=ca\r\n" +
            "Auth-SSL-Serial: 0A1B\r\n" +
            "Auth-SSL-Fingerprint: abcdef\r\n" +
            "Auth-SSL-Cert: -----BEGIN%20CERTIFICATE-----%0AMIIB%0A-----END%20CERTIFICATE-----%0A\r\n" +
            "X-Auth-Key: k 1\r\n" +
            "X-Second: two\r\n" +
            "\r\n";
        Assert.Equal(expected, request);
        // The login's ü is the two UTF-8 bytes C3 BC on the wire, not Latin-1 and not escaped.
        Assert.True(raw.Requests[0].AsSpan().IndexOf("Auth-User: j\u00fcrgen%20doe\r\n"u8) >= 0);
    }

    [Fact]
    public async Task SmtpAuthNoneSendsClientHostAndTheEnvelopeRawAfterClientIp()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nAuth-Status: nope\r\n\r\n"));
        var attempt = new LoginAttempt(MailProtocol.Smtp, AuthMethod.None, "", "", null, "198.51.100.7", 1, null,
            new AuthHttpEndpoint(raw.Url, TimeSpan.FromSeconds(5), []),
            ClientHost: "mx.example.org",
            Smtp: new SmtpEnvelope("client.example", "MAIL FROM:<a b@example.org> SIZE=100", "RCPT TO:<c%d@example.net>"));

        await Client.DecideAsync(attempt, TestContext.Current.CancellationToken);

        var request = Encoding.UTF8.GetString(Assert.Single(raw.Requests));
        var expected =
            "GET /auth HTTP/1.1\r\n" +
            $"Host: 127.0.0.1:{raw.Port}\r\n" +
            "Auth-Method: none\r\n" +
            "Auth-User: \r\n" +
            "Auth-Pass: \r\n" +
            "Auth-Protocol: smtp\r\n" +
            "Auth-Login-Attempt: 1\r\n" +
            "Client-IP: 198.51.100.7\r\n" +
            "Client-Host: mx.example.org\r\n" +
            "Auth-SMTP-Helo: client.example\r\n" +
            "Auth-SMTP-From: MAIL FROM:<a b@example.org> SIZE=100\r\n" +
            "Auth-SMTP-To: RCPT TO:<c%d@example.net>\r\n" +
            "\r\n";
        Assert.Equal(expected, request);
    }

    [Fact]
    public async Task ProxyProtocolHeadersFollowClientIpInNginxOrder()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nAuth-Status: nope\r\n\r\n"));
        var attempt = Attempt(raw.Url, method: AuthMethod.Plain) with
        {
            ClientHost = "[UNAVAILABLE]",
            ProxyProtocol = new ProxyProtocolFacts("203.0.113.9", 40123, "198.51.100.1", 993),
        };

        await Client.DecideAsync(attempt, TestContext.Current.CancellationToken);

        var request = Encoding.UTF8.GetString(Assert.Single(raw.Requests));
        Assert.Contains(
            "Client-IP: 198.51.100.7\r\n" +
            "Client-Host: [UNAVAILABLE]\r\n" +
            "Proxy-Protocol-Addr: 203.0.113.9\r\n" +
            "Proxy-Protocol-Port: 40123\r\n" +
            "Proxy-Protocol-Server-Addr: 198.51.100.1\r\n" +
            "Proxy-Protocol-Server-Port: 993\r\n" +
            "X-Auth-Key: k 1\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonAsciiReplyHeadersAreReadAsUtf8()
    {
        await using var raw = new RawTcpResponder(Encoding.UTF8.GetBytes("HTTP/1.1 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 10.1.1.1\r\nAuth-Port: 143\r\nAuth-User: jürgen\r\nAuth-Pass: pässword\r\nContent-Length: 0\r\n\r\n"));

        var decision = await Client.DecideAsync(Attempt(raw.Url, method: AuthMethod.Plain), TestContext.Current.CancellationToken);

        Assert.Equal(LoginDecision.Allow("10.1.1.1", 143, "jürgen", "pässword"), decision);
    }

    [Fact]
    public async Task ReplyWithoutStatusLineOrHttpAtAllIsAnInternalError()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("Auth-Status: OK\r\nAuth-Server: 10.1.1.1\r\nAuth-Port: 143\r\n\r\n"));

        var decision = await Client.DecideAsync(Attempt(raw.Url), TestContext.Current.CancellationToken);

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
    }

    [Theory]
    [InlineData("\u0000\u0001\u00ff garbage\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nAuth Status: OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 10.1.1.1")]
    [InlineData("")]
    public async Task GarbageOrTruncatedRepliesAreInternalErrors(string reply)
    {
        await using var raw = new RawTcpResponder(Encoding.Latin1.GetBytes(reply));

        var decision = await Client.DecideAsync(Attempt(raw.Url), TestContext.Current.CancellationToken);

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
    }

    [Theory]
    [InlineData(700, LoginOutcome.Allowed)]
    [InlineData(1100, LoginOutcome.InternalError)]
    public async Task HeadersOverOneKilobyteAreAnInternalError(int padding, LoginOutcome expected)
    {
        var reply = "HTTP/1.1 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 10.1.1.1\r\nAuth-Port: 143\r\nX-Pad: " + new string('a', padding) + "\r\nContent-Length: 0\r\n\r\n";
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes(reply));

        var decision = await Client.DecideAsync(Attempt(raw.Url, method: AuthMethod.Plain), TestContext.Current.CancellationToken);

        Assert.Equal(expected, decision.Outcome);
    }

    [Fact]
    public async Task SilentServerTimesOutWithinTheDeadline()
    {
        await using var raw = new RawTcpResponder(null);
        var started = TimeProvider.System.GetTimestamp();

        var decision = await Client.DecideAsync(Attempt(raw.Url, TimeSpan.FromMilliseconds(300)), TestContext.Current.CancellationToken);

        Assert.Equal(LoginDecision.TemporaryFailure("auth http server timed out"), decision);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task BadUrlIsAnInternalError()
    {
        var decision = await Client.DecideAsync(Attempt("ftp://127.0.0.1/auth"), TestContext.Current.CancellationToken);

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
    }

    [Fact]
    public async Task UrlWithoutSchemeIsHttpLikeNginx()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nAuth-Status: no\r\nContent-Length: 0\r\n\r\n"));

        var decision = await Client.DecideAsync(Attempt($"127.0.0.1:{raw.Port}/auth"), TestContext.Current.CancellationToken);

        Assert.Equal("no", decision.Message);
    }

    [Fact]
    public async Task HeaderInjectionThroughAValueIsRefusedNotSent()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 10.1.1.1\r\nAuth-Port: 143\r\nContent-Length: 0\r\n\r\n"));
        var attempt = Attempt(raw.Url, method: AuthMethod.Plain) with { ClientIp = "192.0.2.1\r\nAuth-User: admin" };

        var decision = await Client.DecideAsync(attempt, TestContext.Current.CancellationToken);

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
        Assert.All(raw.Requests, r => Assert.DoesNotContain("admin", Encoding.UTF8.GetString(r), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SaltKeepsNoTrailingCrlf()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nAuth-Status: no\r\nContent-Length: 0\r\n\r\n"));
        var attempt = Attempt(raw.Url) with { Salt = "<1.2@mx>\r\n" };

        var decision = await Client.DecideAsync(attempt, TestContext.Current.CancellationToken);

        Assert.Equal("no", decision.Message);
        Assert.Contains("Auth-Salt: <1.2@mx>\r\nAuth-Protocol", Encoding.UTF8.GetString(raw.Requests.Single()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneLinePerDecisionWithLoginAndClientIpButNeverASecret()
    {
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nAuth-Status: Invalid login or password\r\nAuth-Pass: backend-secret\r\nContent-Length: 0\r\n\r\n"));
        await using var ok = new RawTcpResponder(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 10.1.1.1\r\nAuth-Port: 143\r\nAuth-Pass: backend-secret\r\nContent-Length: 0\r\n\r\n"));

        await Client.DecideAsync(Attempt(raw.Url, method: AuthMethod.Plain), TestContext.Current.CancellationToken);
        await Client.DecideAsync(Attempt(ok.Url, method: AuthMethod.Plain), TestContext.Current.CancellationToken);

        var lines = _logs.Lines.Where(l => l.Contains("AuthHttpClient", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("auth http server refused the login: \"Invalid login or password\"", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("Debug", lines[0], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.Contains("Login=jürgen doe", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("ClientIp=198.51.100.7", l, StringComparison.Ordinal));
        Assert.All(_logs.Lines, l => Assert.DoesNotContain("backend-secret", l, StringComparison.Ordinal));
        Assert.All(_logs.Lines, l => Assert.DoesNotContain("wörd", l, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
