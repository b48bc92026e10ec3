using System.Buffers;
using System.Net;
using System.Text;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.ProxyProtocol;

/// <summary>
/// The PROXY v1/v2 parser: every prefix of a valid header is Incomplete and consumes nothing; the whole header is
/// Complete and ends exactly where it should; malformed and oversized headers are Invalid as soon as that is certain.
/// </summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Trailing = "A1 CAPABILITY\r\n"u8.ToArray();

    public static TheoryData<string> ValidHeaders => new()
    {
        "PROXY TCP4 203.0.113.9 198.51.100.1 40123 993\r\n",
        "PROXY TCP6 2001:db8::9 2001:db8::1 40123 993\r\n",
        "PROXY UNKNOWN\r\n",
        "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n",
        Convert.ToHexString(V2(0x21, 0x11, [203, 0, 113, 9, 198, 51, 100, 1, 0x9C, 0xBB, 0x03, 0xE1])),
        Convert.ToHexString(V2(0x21, 0x21, [.. IPAddress.Parse("2001:db8::9").GetAddressBytes(), .. IPAddress.Parse("2001:db8::1").GetAddressBytes(), 0x9C, 0xBB, 0x03, 0xE1])),
        Convert.ToHexString(V2(0x20, 0x00, [])),
        Convert.ToHexString(ProxyHeaderWriter.Build(2, new IPEndPoint(IPAddress.Parse("203.0.113.9"), 1), new IPEndPoint(IPAddress.Loopback, 2),
            new ClientTlsSummary("TLSv1.3", "TLS_AES_128_GCM_SHA256", "mail.test", "imap"))),
    };

    private static byte[] Bytes(string header) => header.StartsWith("PROXY", StringComparison.Ordinal) ? Encoding.ASCII.GetBytes(header) : Convert.FromHexString(header);

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void EveryPrefixIsIncompleteAndTheWholeHeaderIsComplete(string text)
    {
        var header = Bytes(text);
        for (var length = 0; length < header.Length; length++)
        {
            var status = ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(header, 0, length), out var parsed, out var end);
            Assert.Equal(ProxyHeaderStatus.Incomplete, status);
            Assert.Null(parsed);
            Assert.Equal(0, end.GetInteger());
        }

        var buffer = new ReadOnlySequence<byte>([.. header, .. Trailing]);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(buffer, out var result, out var headerEnd));
        Assert.NotNull(result);
        Assert.Equal(Trailing, buffer.Slice(headerEnd).ToArray());
    }

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void AHeaderSplitAcrossSegmentsParsesTheSame(string text)
    {
        var header = Bytes(text);
        var whole = ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(header), out var expected, out _);
        for (var split = 1; split < header.Length; split++)
        {
            var status = ProxyHeaderParser.TryParse(TwoSegments.Of(header[..split], header[split..]), out var parsed, out _);
            Assert.Equal(whole, status);
            Assert.Equal(expected, parsed);
        }
    }

    [Fact]
    public void V1AddressesAndPortsAreRead()
    {
        Parse("PROXY TCP4 203.0.113.9 198.51.100.1 40123 993\r\n", out var header);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 40123), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 993), header.Destination);
        Assert.Equal(new OrleansMail.Grains.Interfaces.ProxyProtocolFacts("203.0.113.9", 40123, "198.51.100.1", 993), header.Facts);
    }

    [Fact]
    public void UnknownAndLocalCarryNoAddresses()
    {
        Parse("PROXY UNKNOWN\r\n", out var unknown);
        Assert.Null(unknown.Source);
        Assert.Null(unknown.Facts);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(V2(0x20, 0x11, new byte[12])), out var local, out _));
        Assert.Null(local!.Source);
    }

    [Fact]
    public void V2AddressesAndPortsAreRead()
    {
        var bytes = V2(0x21, 0x11, [203, 0, 113, 9, 198, 51, 100, 1, 0x9C, 0xBB, 0x03, 0xE1]);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes), out var header, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 40123), header!.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 993), header.Destination);
    }

    [Theory]
    [InlineData("A1 LOGIN alice secret\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 198.51.100.1 40123\r\n")]
    [InlineData("PROXY TCP6 ::1%eth0 ::2 40123 993\r\n")]
    [InlineData("PROXY TCP6 ::1%\rRSET ::2 40123 993\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 198.51.100.1 40123 993 7\r\n")]
    [InlineData("PROXY TCP4 2001:db8::9 198.51.100.1 40123 993\r\n")]
    [InlineData("PROXY TCP6 203.0.113.9 198.51.100.1 40123 993\r\n")]
    [InlineData("PROXY TCP4 203.0.113 198.51.100.1 40123 993\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 198.51.100.1 040123 993\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 198.51.100.1 65536 993\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 198.51.100.1 -1 993\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 198.51.100.1 40123 993\n")]
    [InlineData("PROXY UDP4 203.0.113.9 198.51.100.1 40123 993\r\n")]
    [InlineData("proxy TCP4 203.0.113.9 198.51.100.1 40123 993\r\n")]
    public void MalformedV1IsInvalid(string text) =>
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _, out _));

    [Fact]
    public void AV1LineWithoutEndIsInvalidOnceLongerThanTheSpecAllows()
    {
        var text = Encoding.ASCII.GetBytes("PROXY TCP6 " + new string('1', 200));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(text), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(text, 0, 50), out _, out _));
    }

    /// <summary>Found by fuzzing (Tests/Fuzz/regressions/proxy-header): an Invalid line or header handed back its end as consumed.</summary>
    [Theory]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 56324 1x3\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.7 56324\r\n")]
    [InlineData("")]
    public void InvalidConsumesNothing(string v1)
    {
        var bytes = v1.Length > 0 ? Encoding.ASCII.GetBytes(v1) : V2(0x21, 0x11, [192, 0, 2, 1]);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(buffer, out var header, out var end));
        Assert.Null(header);
        Assert.Equal(buffer.Start, end);
    }

    [Fact]
    public void V2WithAWrongSignatureVersionOrShortAddressesIsInvalid()
    {
        var bad = V2(0x21, 0x11, new byte[12]);
        bad[3] = 0x0B;
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bad, 0, 4), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(V2(0x11, 0x11, new byte[12])), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(V2(0x21, 0x11, new byte[8])), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(V2(0x21, 0x21, new byte[12])), out _, out _));
    }

    [Fact]
    public void V2LongerThan4096BytesIsInvalidFromItsLengthField()
    {
        var fixedPart = V2(0x21, 0x11, new byte[4096 - 16 + 1])[..16];
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(fixedPart), out _, out _));
        var largest = V2(0x21, 0x11, new byte[4096 - 16]);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(largest), out _, out _));
    }

    private static void Parse(string text, out ProxyHeader header)
    {
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out var parsed, out _));
        header = parsed!;
    }

    internal static byte[] V2(byte versionCommand, byte family, byte[] body) =>
        [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, versionCommand, family, (byte)(body.Length >> 8), (byte)body.Length, .. body];
}
