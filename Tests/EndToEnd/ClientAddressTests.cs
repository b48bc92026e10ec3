using System.Net;
using System.Text;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The client's address through every hop (src/mail/ngx_mail_handler.c, ngx_mail_realip_module.c and ngx_mail_proxy_module.c): a PROXY header from a set_real_ip_from peer becomes
/// the client's address at the auth server (Client-IP) and at Dovecot (IMAP ID's x-originating-ip, or the PROXY
/// header the proxy sends to Dovecot's haproxy listener); from an untrusted peer only the Proxy-Protocol-* headers
/// carry it; a broken, truncated, oversized or slow header closes the connection without a word.
/// </summary>
[Collection(nameof(UpstreamTlsCollection))]
public sealed class ClientAddressTests(UpstreamTlsFixture fixture)
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);

    private static byte[] V1(string source, int port) => Encoding.ASCII.GetBytes($"PROXY TCP4 {source} 198.51.100.1 {port} 143\r\n");

    private static byte[] V2(string source, int port) =>
        ProxyHeaderWriter.Build(2, new IPEndPoint(IPAddress.Parse(source), port), new IPEndPoint(IPAddress.Parse("198.51.100.1"), 143), null);

    private RecordedAuthRequest LastAuthRequest() => fixture.Auth.Requests[^1];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ATrustedHeaderIsTheClientForTheAuthServerAndForDovecotViaImapId(int version)
    {
        var mark = fixture.Dovecot.ReadLog().Length;
        var source = version == 1 ? "203.0.113.9" : "203.0.113.10";

        var lines = await UpstreamTlsTests.ImapLoginAsync(fixture.Proxy.Port("pp"), "alice", "alice-password", version == 1 ? V1(source, 40123) : V2(source, 40123));

        Assert.StartsWith("a2 OK", lines[^1]);
        var request = LastAuthRequest();
        Assert.Equal(source, request["Client-IP"]);
        Assert.Equal((source, "40123", "198.51.100.1", "143"),
            (request["Proxy-Protocol-Addr"], request["Proxy-Protocol-Port"], request["Proxy-Protocol-Server-Addr"], request["Proxy-Protocol-Server-Port"]));
        // Dovecot (login_trusted_networks) takes the ID's x-originating-ip as the remote IP, over STARTTLS here.
        await UpstreamTlsTests.DovecotLoginLineAsync(fixture.Dovecot, mark, "alice", l => l.Contains($"rip={source},", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUntrustedPeersHeaderGoesOnlyToTheAuthServer()
    {
        var mark = fixture.Dovecot.ReadLog().Length;

        var lines = await UpstreamTlsTests.ImapLoginAsync(fixture.Proxy.Port("ppuntrusted"), "alice", "alice-password", V1("203.0.113.9", 40123));

        Assert.StartsWith("a2 OK", lines[^1]);
        var request = LastAuthRequest();
        Assert.Equal("127.0.0.1", request["Client-IP"]);
        Assert.Equal("203.0.113.9", request["Proxy-Protocol-Addr"]);
        await UpstreamTlsTests.DovecotLoginLineAsync(fixture.Dovecot, mark, "alice", l => l.Contains("rip=127.0.0.1,", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task TheProxySendsTheRealClientToDovecotsHaproxyListener(int version)
    {
        using var answer = fixture.Stack.AnswerFor("alice", fixture.Route(version == 1 ? fixture.HaproxyV1Port : fixture.HaproxyV2Port));
        var mark = fixture.Dovecot.ReadLog().Length;
        var source = version == 1 ? "192.0.2.71" : "192.0.2.72";

        // No IMAP ID on this listener: only the PROXY header to Dovecot can carry the address.
        var lines = await UpstreamTlsTests.ImapLoginAsync(fixture.Proxy.Port("pphaproxy"), "alice", "alice-password", V1(source, 5555));

        Assert.StartsWith("a2 OK", lines[^1]);
        await UpstreamTlsTests.DovecotLoginLineAsync(fixture.Dovecot, mark, "alice", l => l.Contains($"rip={source},", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheHeaderToTheUpstreamComesFirstWithTheRealClientAndTheAddressItReached()
    {
        await using var upstream = new ScriptedStartTlsUpstream("unused");
        using var answer = fixture.Stack.AnswerFor("alice", fixture.Route(upstream.Port));

        await UpstreamTlsTests.ImapLoginAsync(fixture.Proxy.Port("ppout"), "alice", "alice-password", V1("192.0.2.99", 4444));

        // src = the client after set_real_ip_from, dst = the address the client reached (the incoming header's).
        Assert.StartsWith("PROXY TCP4 192.0.2.99 198.51.100.1 4444 143\r\na1 LOGIN ", upstream.Received);
    }

    public static TheoryData<string> BrokenHeaders => new()
    {
        Convert.ToHexString("A1 LOGIN alice alice-password\r\n"u8),
        Convert.ToHexString("PROXY TCP4 203.0.113.9 198.51.100.1 40123\r\n"u8),
        Convert.ToHexString("PROXY TCP4 300.0.113.9 198.51.100.1 40123 143\r\n"u8),
        Convert.ToHexString(Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 200) + "\r\n")),
        // v2 announcing more than 4096 bytes
        Convert.ToHexString([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x10, 0x00]),
    };

    [Theory]
    [MemberData(nameof(BrokenHeaders))]
    public async Task ABrokenHeaderClosesWithoutAWord(string hex)
    {
        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("pp"));
        await client.SendAsync(Convert.FromHexString(hex));
        Assert.Null(await client.ReadLineAsync(Slow));
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.9 ")]
    [InlineData("")]
    public async Task ATruncatedOrMissingHeaderClosesWithoutAWordAfterTimeout(string partial)
    {
        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("ppslow"));
        var started = DateTime.UtcNow;
        await client.SendAsync(Encoding.ASCII.GetBytes(partial));
        Assert.Null(await client.ReadLineAsync(Slow));
        // timeout 2s on this listener: not at once, and not much later.
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AHeaderArrivingByteByByteIsAccepted()
    {
        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("ppslow"));
        foreach (var b in V1("203.0.113.9", 1))
        {
            await client.SendAsync([b]);
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
        Assert.StartsWith("* OK", await client.ReadLineAsync(Slow));
    }
}
