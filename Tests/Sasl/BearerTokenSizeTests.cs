using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Sasl;

/// <summary>
/// sasl_oauth_buffer (16k) against client buffers of 1k (<see cref="BearerTokenProxyFixture"/>'s imap, pop3, smtp
/// listeners): a bearer-token command, its continuation line and the IMAP literal form are taken up to 16k and log in
/// through real Dovecot and Postfix; one byte more gets the too-long reply and the close; every other line, a long
/// AUTH PLAIN included, is still bounded by the client buffer.
/// </summary>
public sealed class BearerTokenSizeTests(BearerTokenProxyFixture fixture) : IClassFixture<BearerTokenProxyFixture>
{
    private const int Limit = 16 * 1024;

    /// <summary>The largest line the limit takes in every protocol's reckoning (CRLF counted by IMAP's parser, CR by the line reader).</summary>
    private const int LongestLine = Limit - 2;

    /// <summary>
    /// An XOAUTH2 response for alice whose token makes <paramref name="prefix"/> + response exactly
    /// <paramref name="lineLength"/> characters (rounded down, or up with <paramref name="atLeast"/>, to a whole base64 quantum).
    /// </summary>
    private static string Response(string prefix, int lineLength, bool atLeast = false)
    {
        var base64 = (lineLength - prefix.Length + (atLeast ? 3 : 0)) / 4 * 4;
        var fixedPart = "user=alice\u0001auth=Bearer ok-\u0001\u0001".Length;
        var token = "ok-" + new string('t', base64 / 4 * 3 - fixedPart);
        var response = BearerTokenProxyFixture.XOAuth2("alice", token);
        Assert.Equal(base64, response.Length);
        return response;
    }

    /// <summary>Sends a line that is too long: the protocol's too-long reply, then the close.</summary>
    private static async Task SendTooLongAsync(LineClient client, string line, string tooLong)
    {
        await client.SendAsync(line);
        Assert.Equal(tooLong, await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }

    private Task<LineClient> ConnectAsync(string listener, bool ehlo = false) => fixture.ConnectAsync(listener, ehlo);

    [Theory]
    [InlineData(6 * 1024)]
    [InlineData(LongestLine)]
    public async Task ImapTakesAnAuthenticateLineUpTo16k(int length)
    {
        await using var client = await ConnectAsync("imap");
        await client.SendAsync($"a AUTHENTICATE XOAUTH2 {Response("a AUTHENTICATE XOAUTH2 ", length)}\r\n");
        Assert.Matches("^a OK .*Logged in", await client.ReadLineAsync());
    }

    [Theory]
    [InlineData(6 * 1024, false)]
    [InlineData(LongestLine - 40, false)]
    [InlineData(LongestLine - 40, true)]
    public async Task ImapTakesTheLiteralFormUpTo16k(int length, bool nonSynchronising)
    {
        await using var client = await ConnectAsync("imap");
        var response = Response("", length);
        if (nonSynchronising)
        {
            // RFC 7888 LITERAL+: the client does not wait.
            await client.SendAsync($"a AUTHENTICATE XOAUTH2 {{{response.Length}+}}\r\n{response}\r\n");
        }
        else
        {
            await client.SendAsync($"a AUTHENTICATE XOAUTH2 {{{response.Length}}}\r\n");
            Assert.Equal("+ OK", await client.ReadLineAsync());
            await client.SendAsync(response + "\r\n");
        }
        Assert.Matches("^a OK .*Logged in", await client.ReadLineAsync());
    }

    [Theory]
    [InlineData("imap", "+ ", "a AUTHENTICATE XOAUTH2\r\n", "^a OK .*Logged in")]
    [InlineData("pop3", "+ ", "AUTH XOAUTH2\r\n", "^\\+OK .*Logged in")]
    [InlineData("smtp", "334 ", "AUTH XOAUTH2\r\n", "^235 2.0.0 OK$")]
    public async Task AContinuationLineIsTakenUpTo16k(string listener, string challenge, string command, string loggedIn)
    {
        await using var client = await ConnectAsync(listener, ehlo: listener == "smtp");
        await client.SendAsync(command);
        Assert.Equal(challenge, await client.ReadLineAsync());
        await client.SendAsync(Response("", LongestLine) + "\r\n");
        Assert.Matches(loggedIn, await client.ReadLineAsync());
    }

    [Theory]
    [InlineData("pop3", 6 * 1024, "^\\+OK .*Logged in")]
    [InlineData("pop3", LongestLine, "^\\+OK .*Logged in")]
    [InlineData("smtp", 6 * 1024, "^235 2.0.0 OK$")]
    [InlineData("smtp", LongestLine, "^235 2.0.0 OK$")]
    public async Task Pop3AndSmtpTakeAnAuthLineUpTo16k(string listener, int length, string loggedIn)
    {
        await using var client = await ConnectAsync(listener, ehlo: listener == "smtp");
        await client.SendAsync($"AUTH XOAUTH2 {Response("AUTH XOAUTH2 ", length)}\r\n");
        Assert.Matches(loggedIn, await client.ReadLineAsync());
    }

    [Theory]
    [InlineData("imap", "a AUTHENTICATE XOAUTH2 ", "* BAD invalid command")]
    [InlineData("pop3", "AUTH XOAUTH2 ", "-ERR invalid command")]
    [InlineData("smtp", "AUTH XOAUTH2 ", "500 5.5.1 Invalid command")]
    public async Task ABearerLineOver16kIsTooLongAndCloses(string listener, string prefix, string tooLong)
    {
        await using var client = await ConnectAsync(listener, ehlo: listener == "smtp");
        var line = prefix + Response(prefix, Limit + 1, atLeast: true);
        Assert.True(line.Length > Limit);
        await SendTooLongAsync(client, line + "\r\n", tooLong);
    }

    [Theory]
    [InlineData("imap", "+ ", "a AUTHENTICATE OAUTHBEARER\r\n", "* BAD invalid command")]
    [InlineData("pop3", "+ ", "AUTH OAUTHBEARER\r\n", "-ERR invalid command")]
    [InlineData("smtp", "334 ", "AUTH OAUTHBEARER\r\n", "500 5.5.1 Invalid command")]
    public async Task AContinuationLineOver16kIsTooLongAndCloses(string listener, string challenge, string command, string tooLong)
    {
        await using var client = await ConnectAsync(listener, ehlo: listener == "smtp");
        await client.SendAsync(command);
        Assert.Equal(challenge, await client.ReadLineAsync());
        await SendTooLongAsync(client, new string('A', Limit + 4) + "\r\n", tooLong);
    }

    [Theory]
    [InlineData("imap", "a AUTHENTICATE PLAIN ", "* BAD invalid command")]
    [InlineData("imap", "a LOGIN alice ", "* BAD invalid command")]
    [InlineData("pop3", "AUTH PLAIN ", "-ERR invalid command")]
    [InlineData("smtp", "AUTH PLAIN ", "500 5.5.1 Invalid command")]
    [InlineData("smtp", "AUTH XOAUTH2X ", "500 5.5.1 Invalid command")]
    public async Task AnyOtherLongLineIsStillBoundedByTheClientBuffer(string listener, string prefix, string tooLong)
    {
        await using var client = await ConnectAsync(listener, ehlo: listener == "smtp");
        await SendTooLongAsync(client, prefix + new string('A', 2048) + "\r\n", tooLong);
    }

    [Theory]
    [InlineData("imap", "a AUTHENTICATE PLAIN\r\n", "+ ", "* BAD invalid command")]
    [InlineData("pop3", "AUTH PLAIN\r\n", "+ ", "-ERR invalid command")]
    [InlineData("smtp", "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6", "500 5.5.1 Invalid command")]
    public async Task AnotherMechanismsContinuationIsStillBoundedByTheClientBuffer(string listener, string command, string challenge, string tooLong)
    {
        await using var client = await ConnectAsync(listener, ehlo: listener == "smtp");
        await client.SendAsync(command);
        Assert.Equal(challenge, await client.ReadLineAsync());
        await SendTooLongAsync(client, new string('A', 2048) + "\r\n", tooLong);
    }

    [Fact]
    public async Task BeforeTlsWithPlaintextOffABearerLineIsBoundedByTheClientBuffer()
    {
        // The off listeners keep the default 4k client buffer: a 6k bearer line there is simply too long.
        await using var client = await ConnectAsync("imapoff");
        await SendTooLongAsync(client, $"a AUTHENTICATE XOAUTH2 {Response("a AUTHENTICATE XOAUTH2 ", 6 * 1024)}\r\n", "* BAD invalid command");
    }
}
