using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>
/// Parses a PROXY protocol v1 or v2 header (haproxy's proxy-protocol.txt) from the start of a buffer. Consumes nothing
/// and answers <see cref="ProxyHeaderStatus.Incomplete"/> while the bytes so far could still become a valid header, so
/// the caller reads more and tries again; anything that cannot is <see cref="ProxyHeaderStatus.Invalid"/> at once.
/// A header is at most <see cref="MaxLength"/> bytes: nginx peeks at most that much (src/core/ngx_proxy_protocol.c).
/// </summary>
internal static class ProxyHeaderParser
{
    public const int MaxLength = 4096;

    /// <summary>v1 headers are at most 107 bytes, CRLF included (proxy-protocol.txt §2.1).</summary>
    private const int MaxV1Length = 107;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyHeaderStatus TryParse(ReadOnlySequence<byte> buffer, out ProxyHeader? header, out SequencePosition end)
    {
        header = null;
        end = buffer.Start;
        if (buffer.IsEmpty) return ProxyHeaderStatus.Incomplete;
        var first = buffer.FirstSpan[0];
        return first == V1Prefix[0] ? TryParseV1(buffer, out header, out end)
            : first == V2Signature[0] ? TryParseV2(buffer, out header, out end)
            : ProxyHeaderStatus.Invalid;
    }

    private static ProxyHeaderStatus TryParseV1(ReadOnlySequence<byte> buffer, out ProxyHeader? header, out SequencePosition end)
    {
        header = null;
        end = buffer.Start;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineWithCr, (byte)'\n', advancePastDelimiter: true))
        {
            // Still a possible header only while the prefix matches and the line is short enough.
            var seen = buffer.Slice(0, Math.Min(buffer.Length, V1Prefix.Length)).ToArray();
            return V1Prefix.StartsWith(seen) && buffer.Length < MaxV1Length ? ProxyHeaderStatus.Incomplete : ProxyHeaderStatus.Invalid;
        }
        if (lineWithCr.Length + 1 > MaxV1Length || lineWithCr.Length == 0) return ProxyHeaderStatus.Invalid;
        var bytes = lineWithCr.ToArray();
        if (bytes[^1] != (byte)'\r' || !bytes.AsSpan().StartsWith(V1Prefix)) return ProxyHeaderStatus.Invalid;
        var line = Encoding.ASCII.GetString(bytes, V1Prefix.Length, bytes.Length - V1Prefix.Length - 1);

        if (line.StartsWith("UNKNOWN", StringComparison.Ordinal))
        {
            // "PROXY UNKNOWN" and whatever follows up to CRLF: the receiver must ignore the rest (proxy-protocol.txt
            // §2.1).
            header = new ProxyHeader(1, null, null);
            end = reader.Position;
            return ProxyHeaderStatus.Complete;
        }

        var words = line.Split(' ');
        if (words.Length != 5 || words[0] is not ("TCP4" or "TCP6")) return ProxyHeaderStatus.Invalid;
        var family = words[0] == "TCP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (!TryAddress(words[1], family, out var source) || !TryAddress(words[2], family, out var destination)
            || !TryPort(words[3], out var sourcePort) || !TryPort(words[4], out var destinationPort))
            return ProxyHeaderStatus.Invalid;
        header = new ProxyHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), words[1], words[2]);
        // The end is set only now: a line that turned out invalid consumes nothing, as this class promises.
        end = reader.Position;
        return ProxyHeaderStatus.Complete;
    }

    private static bool TryAddress(string text, System.Net.Sockets.AddressFamily family, out IPAddress address) =>
        // No IPv6 scope: the spec's addresses are inet_ntop's, and IPAddress would take any text after '%' (CR included).
        IPAddress.TryParse(text, out address!) && !text.Contains('%') && address.AddressFamily == family
        // IPAddress accepts forms the spec does not ("1", "0x7f.1"); v4 must be dotted quad.
        && (family != System.Net.Sockets.AddressFamily.InterNetwork || text.Count(c => c == '.') == 3);

    /// <summary>Decimal 0–65535 without leading zeros or signs (proxy-protocol.txt §2.1).</summary>
    private static bool TryPort(string text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit)) return false;
        port = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return port <= 65535;
    }

    private static ProxyHeaderStatus TryParseV2(ReadOnlySequence<byte> buffer, out ProxyHeader? header, out SequencePosition end)
    {
        header = null;
        end = buffer.Start;
        Span<byte> fixedPart = stackalloc byte[16];
        var available = (int)Math.Min(buffer.Length, fixedPart.Length);
        buffer.Slice(0, available).CopyTo(fixedPart);
        var signatureSeen = Math.Min(available, V2Signature.Length);
        if (!fixedPart[..signatureSeen].SequenceEqual(V2Signature[..signatureSeen])) return ProxyHeaderStatus.Invalid;
        if (available > 12 && fixedPart[12] is not (0x20 or 0x21)) return ProxyHeaderStatus.Invalid; // version 2, LOCAL or PROXY
        if (available < 16) return ProxyHeaderStatus.Incomplete;

        var length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (16 + length > MaxLength) return ProxyHeaderStatus.Invalid;
        if (buffer.Length < 16 + length) return ProxyHeaderStatus.Incomplete;
        // Consumed only when complete: a header too short for its own addresses is Invalid and consumes nothing.
        var headerEnd = buffer.GetPosition(16 + length);

        var command = fixedPart[12] & 0x0F;
        var family = fixedPart[13];
        if (command == 0x0)
        {
            // LOCAL: the proxy's own connection (health checks); the real endpoints stay.
            header = new ProxyHeader(2, null, null);
            end = headerEnd;
            return ProxyHeaderStatus.Complete;
        }

        var body = buffer.Slice(16, length).ToArray();
        switch (family)
        {
            case 0x11 when length >= 12: // TCP over IPv4
                header = new ProxyHeader(2,
                    new IPEndPoint(new IPAddress(body.AsSpan(0, 4)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(8))),
                    new IPEndPoint(new IPAddress(body.AsSpan(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(10))));
                end = headerEnd;
                return ProxyHeaderStatus.Complete;
            case 0x21 when length >= 36: // TCP over IPv6
                header = new ProxyHeader(2,
                    new IPEndPoint(new IPAddress(body.AsSpan(0, 16)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(32))),
                    new IPEndPoint(new IPAddress(body.AsSpan(16, 16)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(34))));
                end = headerEnd;
                return ProxyHeaderStatus.Complete;
            case 0x11 or 0x21:
                return ProxyHeaderStatus.Invalid; // too short for its own addresses
            default:
                // UNSPEC, UDP or unix: accepted, the addresses ignored, as nginx's "unknown" (proxy-protocol.txt §2.2:
                // "must ignore").
                header = new ProxyHeader(2, null, null);
                end = headerEnd;
                return ProxyHeaderStatus.Complete;
        }
    }
}
