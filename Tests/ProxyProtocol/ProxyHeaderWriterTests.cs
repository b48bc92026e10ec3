using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using OrleansMail.Frontend.ProxyProtocol;

namespace OrleansMail.Tests.ProxyProtocol;

/// <summary>The PROXY header to upstreams: v1 text, v2 binary with TLS TLVs and a CRC-32C that checks.</summary>
public sealed class ProxyHeaderWriterTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.9"), 40123);
    private static readonly IPEndPoint Local = new(IPAddress.Parse("198.51.100.1"), 993);

    [Fact]
    public void V1IsOneTextLine()
    {
        Assert.Equal("PROXY TCP4 203.0.113.9 198.51.100.1 40123 993\r\n", Encoding.ASCII.GetString(ProxyHeaderWriter.Build(1, Client, Local, null)));
        Assert.Equal("PROXY TCP6 2001:db8::9 2001:db8::1 1 2\r\n", Encoding.ASCII.GetString(ProxyHeaderWriter.Build(1,
            new IPEndPoint(IPAddress.Parse("2001:db8::9"), 1), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 2), null)));
        // IPv4-mapped IPv6 (a dual-stack listener) goes out as TCP4; a unix client as UNKNOWN.
        Assert.Equal("PROXY TCP4 203.0.113.9 198.51.100.1 40123 993\r\n", Encoding.ASCII.GetString(ProxyHeaderWriter.Build(1,
            new IPEndPoint(Client.Address.MapToIPv6(), Client.Port), new IPEndPoint(Local.Address.MapToIPv6(), Local.Port), null)));
        Assert.Equal("PROXY UNKNOWN\r\n", Encoding.ASCII.GetString(ProxyHeaderWriter.Build(1, null, Local, null)));
    }

    [Fact]
    public void V2CarriesTheAddressesAndAValidCrc32C()
    {
        var bytes = ProxyHeaderWriter.Build(2, Client, Local, null);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes), out var header, out var end));
        Assert.Equal(bytes.Length, end.GetInteger());
        Assert.Equal(Client, header!.Source);
        Assert.Equal(Local, header.Destination);
        AssertCrcValid(bytes);
    }

    [Fact]
    public void V2AddsTheClientsTlsAsTlvs()
    {
        var bytes = ProxyHeaderWriter.Build(2, Client, Local, new ClientTlsSummary("TLSv1.3", "TLS_AES_128_GCM_SHA256", "mail.test", "imap"));
        var tlvs = Tlvs(bytes.AsSpan(16 + 12));
        Assert.Equal("imap", Encoding.ASCII.GetString(tlvs[0x01]));
        Assert.Equal("mail.test", Encoding.ASCII.GetString(tlvs[0x02]));
        var ssl = tlvs[0x20];
        Assert.Equal(0x01, ssl[0]); // PP2_CLIENT_SSL
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(ssl.AsSpan(1)));
        var sub = Tlvs(ssl.AsSpan(5));
        Assert.Equal("TLSv1.3", Encoding.ASCII.GetString(sub[0x21]));
        Assert.Equal("TLS_AES_128_GCM_SHA256", Encoding.ASCII.GetString(sub[0x23]));
        AssertCrcValid(bytes);
    }

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue() =>
        // The CRC-32C check value for "123456789" (RFC 3720 B.4 / the CRC catalogue).
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    private static void AssertCrcValid(byte[] bytes)
    {
        var crcTlv = Tlvs(bytes.AsSpan(16 + 12))[0x03];
        var copy = bytes.ToArray();
        var at = bytes.AsSpan().LastIndexOf(crcTlv);
        copy.AsSpan(at, 4).Clear();
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(crcTlv), Crc32C.Compute(copy));
    }

    private static Dictionary<byte, byte[]> Tlvs(ReadOnlySpan<byte> span)
    {
        var result = new Dictionary<byte, byte[]>();
        while (span.Length >= 3)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(span[1..]);
            result[span[0]] = span.Slice(3, length).ToArray();
            span = span[(3 + length)..];
        }
        return result;
    }
}
