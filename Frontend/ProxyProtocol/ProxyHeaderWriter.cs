using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>
/// Builds the PROXY header sent to an upstream (<c>proxy_protocol on | v2</c>, src/mail/ngx_mail_proxy_module.c, src/core/ngx_proxy_protocol.c): src = the client
/// (after set_real_ip_from), dst = the proxy's local address of the client connection. v1 is
/// <c>PROXY TCP4|TCP6 src dst sport dport\r\n</c>, or <c>PROXY UNKNOWN\r\n</c> when either end is not an IP of the
/// same family; v2 (nginx 1.31.4) is the binary form with the PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY and PP2_TYPE_SSL TLVs
/// when the client used TLS, and a PP2_TYPE_CRC32C over the whole header (proxy-protocol.txt §2.2).
/// </summary>
internal static class ProxyHeaderWriter
{
    private const byte TypeAlpn = 0x01, TypeAuthority = 0x02, TypeCrc32C = 0x03, TypeSsl = 0x20;
    private const byte SubtypeSslVersion = 0x21, SubtypeSslCipher = 0x23;
    private const byte ClientSsl = 0x01;

    public static byte[] Build(int version, EndPoint? client, EndPoint? local, ClientTlsSummary? tls) =>
        version == 2 ? BuildV2(client, local, tls) : BuildV1(client, local);

    private static (IPEndPoint Source, IPEndPoint Destination)? SameFamily(EndPoint? client, EndPoint? local)
    {
        if (client is not IPEndPoint source || local is not IPEndPoint destination) return null;
        source = Unmap(source);
        destination = Unmap(destination);
        return source.AddressFamily == destination.AddressFamily ? (source, destination) : null;
    }

    private static IPEndPoint Unmap(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static byte[] BuildV1(EndPoint? client, EndPoint? local)
    {
        if (SameFamily(client, local) is not var (source, destination)) return "PROXY UNKNOWN\r\n"u8.ToArray();
        var family = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes($"PROXY {family} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n");
    }

    private static byte[] BuildV2(EndPoint? client, EndPoint? local, ClientTlsSummary? tls)
    {
        var header = new List<byte>(256);
        header.AddRange([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21]);
        if (SameFamily(client, local) is var (source, destination))
        {
            header.Add(source.AddressFamily == AddressFamily.InterNetwork ? (byte)0x11 : (byte)0x21);
            header.AddRange([0, 0]); // length, filled in below
            header.AddRange(source.Address.GetAddressBytes());
            header.AddRange(destination.Address.GetAddressBytes());
            AddUInt16(header, source.Port);
            AddUInt16(header, destination.Port);
        }
        else
        {
            header.Add(0x00); // AF_UNSPEC: the receiver ignores the addresses
            header.AddRange([0, 0]);
        }

        if (tls is not null)
        {
            if (tls.Alpn is { Length: > 0 } alpn) AddTlv(header, TypeAlpn, Encoding.ASCII.GetBytes(alpn));
            if (tls.ServerName is { Length: > 0 } name) AddTlv(header, TypeAuthority, Encoding.ASCII.GetBytes(name));
            var ssl = new List<byte> { ClientSsl, 0, 0, 0, 0 }; // client flags, verify = 0 (no client certificate failure)
            AddTlv(ssl, SubtypeSslVersion, Encoding.ASCII.GetBytes(tls.Version));
            AddTlv(ssl, SubtypeSslCipher, Encoding.ASCII.GetBytes(tls.Cipher));
            AddTlv(header, TypeSsl, ssl.ToArray());
        }

        var crcAt = header.Count + 3;
        AddTlv(header, TypeCrc32C, [0, 0, 0, 0]);
        var bytes = header.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), (ushort)(bytes.Length - 16));
        // The checksum covers the whole header with its own field zeroed (proxy-protocol.txt §2.2.5).
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(crcAt), Crc32C.Compute(bytes));
        return bytes;
    }

    private static void AddUInt16(List<byte> bytes, int value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
    }

    private static void AddTlv(List<byte> bytes, byte type, byte[] value)
    {
        bytes.Add(type);
        AddUInt16(bytes, value.Length);
        bytes.AddRange(value);
    }
}
