using System.Diagnostics;
using System.Text;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A proxy whose listeners point at broken auth servers: none listening, garbage, headers over nginx's 1 KB,
/// a hang-up. No Dovecot is needed: no login can get that far.
/// </summary>
public sealed class ImapBrokenAuthFixture : IAsyncLifetime
{
    /// <summary>The broken auth servers, then the proxy (no TestAuthServer: each listener names its own auth_http).</summary>
    private readonly ProxyStack _stack = new();

    public ProxyUnderTest Proxy => _stack.Proxy;

    public async ValueTask InitializeAsync()
    {
        var junk = _stack.Adopt(new RawTcpResponder("\x16\x03\x01 garbage \0\xff\r\n\r\n"u8.ToArray()));
        var huge = _stack.Adopt(new RawTcpResponder(Encoding.ASCII.GetBytes(
            "HTTP/1.0 200 OK\r\nX-Padding: " + new string('x', 2000) + "\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\nAuth-Port: 143\r\nAuth-Pass: x\r\n\r\n")));
        var hangUp = _stack.Adopt(new RawTcpResponder([]));
        await _stack.StartProxyAsync(
            [("AuthHttpTimeout", "3s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]>
            {
                ["down"] = [("AuthHttp", $"http://127.0.0.1:{RawTcpResponder.UnusedPort()}/auth")],
                ["junk"] = [("AuthHttp", junk.Url)],
                ["huge"] = [("AuthHttp", huge.Url)],
                ["hangup"] = [("AuthHttp", hangUp.Url)],
            });
    }

    public async ValueTask DisposeAsync()
    {
        await _stack.DisposeAsync();
    }
}

public sealed class ImapBrokenAuthTests(ImapBrokenAuthFixture fixture) : IClassFixture<ImapBrokenAuthFixture>
{
    [Fact]
    public async Task AnAuthServerNotListeningIsATemporaryFailureAndAClose()
    {
        // Unlike nginx's internal error: the client may retry later (RFC 5530 UNAVAILABLE; README "LoginPolicy").
        await using var c = await ImapWire.OpenAsync(fixture.Proxy.Port("down"));
        var clock = Stopwatch.StartNew();
        await c.ExpectAsync($"a LOGIN u{Guid.NewGuid():N} pw\r\n", "a NO [UNAVAILABLE] Temporary authentication failure");
        await c.AssertClosedAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        await using var d = await ImapWire.OpenAsync(fixture.Proxy.Port("down"));
        await d.ExpectAsync($"b AUTHENTICATE PLAIN {ImapTranscriptTests.B64($"\0u{Guid.NewGuid():N}\0pw")}\r\n", "b NO [UNAVAILABLE] Temporary authentication failure");
        await d.AssertClosedAsync();
    }

    [Theory]
    [InlineData("junk")]
    [InlineData("huge")]
    [InlineData("hangup")]
    public async Task ABrokenAuthServerIsAnInternalErrorAndAClose(string listener)
    {
        await using var c = await ImapWire.OpenAsync(fixture.Proxy.Port(listener));
        var clock = Stopwatch.StartNew();
        await c.ExpectAsync($"a LOGIN u{Guid.NewGuid():N} pw\r\n", "* BAD internal server error");
        await c.AssertClosedAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        // The same through AUTHENTICATE, and the listener keeps serving.
        await using var d = await ImapWire.OpenAsync(fixture.Proxy.Port(listener));
        await d.ExpectAsync("a NOOP\r\n", "a OK completed");
        await d.ExpectAsync($"b AUTHENTICATE PLAIN {ImapTranscriptTests.B64($"\0u{Guid.NewGuid():N}\0pw")}\r\n", "* BAD internal server error");
        await d.AssertClosedAsync();
    }
}
