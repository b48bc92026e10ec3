using System.Net;
using OrleansMail.Frontend.Smtp;

namespace OrleansMail.Tests.Smtp;

/// <summary>xtext (RFC 1891) and the XCLIENT command built from it (src/mail/ngx_mail_proxy_module.c; nginx.org/en/security_advisories.html).</summary>
public sealed class XclientTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("a b", "a+20b")]
    [InlineData("a+b=c", "a+2Bb+3Dc")]
    [InlineData("x\r\nRSET", "x+0D+0ARSET")]
    [InlineData("\0\t\u007f", "+00+09+7F")]
    [InlineData("j\u00f6rg", "j+C3+B6rg")]
    [InlineData("[UNAVAILABLE]", "[UNAVAILABLE]")]
    [InlineData("!~", "!~")]
    public void XtextEncodesEveryByteThatCouldEndOrSplitAValue(string value, string expected) =>
        Assert.Equal(expected, Xtext.Encode(value));

    /// <summary>
    /// Found by fuzzing (Tests/Fuzz/regressions/xclient): IPAddress.TryParse takes any text as an IPv6 scope, and the
    /// address went out unencoded after IPV6:, so a CR LF in it ended the XCLIENT line.
    /// </summary>
    [Fact]
    public void AnIPv6AddressTextIsXtextEncodedToo() =>
        Assert.Equal("XCLIENT ADDR=IPV6:::1%x+0D+0ARSET NAME=client.example\r\n", XclientCommand.Build(Plan(login: "", address: "::1%x\r\nRSET"), NginxOnly));

    /// <summary>
    /// Found by fuzzing (Tests/Fuzz/regressions/xclient): each encoded byte cost a string of its own; now the encoding
    /// allocates its result, its builder and the UTF-8 bytes only.
    /// </summary>
    [Fact]
    public void XtextAllocatesNoStringPerEncodedByte()
    {
        var value = new string('\u00e9', 1000);
        Xtext.Encode(value);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var encoded = Xtext.Encode(value);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(6000, encoded.Length);
        // The result (12 KB), the builder's chunks (at most twice that) and 2,000 UTF-8 bytes; a string per byte would add 64 KB.
        Assert.InRange(allocated, 12_000, 40_000);
    }

    private static SmtpUpstreamPlan Plan(string login = "alice", bool proxyAuth = false, string address = "192.0.2.7", string? helo = "client.example") =>
        new("proxy.test", helo, ClientUsedEhlo: true, Xclient: true, proxyAuth, address,
            new IPEndPoint(IPAddress.Parse(address), 40001), new IPEndPoint(IPAddress.Parse("198.51.100.1"), 25),
            "client.example", login, "secret", MailFrom: null, RcptTo: null);

    private static readonly HashSet<string> NginxOnly = ["NAME", "ADDR", "LOGIN"];

    private static readonly HashSet<string> Everything = ["NAME", "ADDR", "LOGIN", "PORT", "PROTO", "HELO", "DESTADDR", "DESTPORT"];

    [Fact]
    public void NginxsAttributesWhenTheUpstreamOffersNoMore() =>
        Assert.Equal("XCLIENT ADDR=192.0.2.7 LOGIN=alice NAME=client.example\r\n", XclientCommand.Build(Plan(), NginxOnly));

    [Fact]
    public void TheOfferedAttributesBeyondNginxs() =>
        Assert.Equal("XCLIENT ADDR=192.0.2.7 LOGIN=alice NAME=client.example PORT=40001 PROTO=ESMTP HELO=client.example DESTADDR=198.51.100.1 DESTPORT=25\r\n",
            XclientCommand.Build(Plan(), Everything));

    [Fact]
    public void IPv6CarriesThePrefixAndLoginIsLeftOutWhenEmptyOrWithProxySmtpAuth()
    {
        Assert.Equal("XCLIENT ADDR=IPV6:2001:db8::1 NAME=client.example\r\n", XclientCommand.Build(Plan(login: "", address: "2001:db8::1"), NginxOnly));
        Assert.Equal("XCLIENT ADDR=192.0.2.7 NAME=client.example\r\n", XclientCommand.Build(Plan(proxyAuth: true), NginxOnly));
    }

    [Fact]
    public void AnInjectedLoginStaysOneValueOnOneLine()
    {
        var command = XclientCommand.Build(Plan(login: "x ADDR=10.0.0.1\r\nRSET"), NginxOnly);
        Assert.Equal("XCLIENT ADDR=192.0.2.7 LOGIN=x+20ADDR+3D10.0.0.1+0D+0ARSET NAME=client.example\r\n", command);
    }

    [Fact]
    public void WithoutAClientGreetingNeitherProtoNorHeloIsSent() =>
        Assert.Equal("XCLIENT ADDR=192.0.2.7 LOGIN=alice NAME=client.example PORT=40001 DESTADDR=198.51.100.1 DESTPORT=25\r\n",
            XclientCommand.Build(Plan(helo: null), Everything));

    [Theory]
    [InlineData("250-x\r\n250 8BITMIME", null)]
    [InlineData("250-x\r\n250-XCLIENT NAME ADDR\r\n250 DSN", "ADDR NAME")]
    [InlineData("250-x\r\n250 xclient login", "LOGIN")]
    [InlineData("250-x\r\n250 XCLIENTS NAME", null)]
    public void TheOfferedAttributesComeFromTheEhloReply(string reply, string? expected)
    {
        var offered = XclientCommand.OfferedAttributes(new SmtpReply(250, reply.Split("\r\n")));
        Assert.Equal(expected, offered is null ? null : string.Join(' ', offered.Select(a => a.ToUpperInvariant()).Order()));
    }
}
