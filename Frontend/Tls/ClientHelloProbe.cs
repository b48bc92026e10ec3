using System.Buffers;
using System.Buffers.Binary;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// Looks into a client's first TLS record without consuming it, for what SslStream's selection callback does not
/// tell: whether the client accepts ECDSA signatures (RFC 8446 §4.2.3 signature_algorithms), so that with an RSA and
/// an ECDSA certificate side by side each client gets one it can verify, as OpenSSL does for nginx.
/// Anything unexpected answers "unknown" and leaves the bytes to SslStream, which refuses what is not TLS.
/// </summary>
internal static class ClientHelloProbe
{
    /// <summary>A ClientHello fits one record (16 KB) in practice; the probe never waits for more.</summary>
    public const int MaxRecord = 16 * 1024 + 5;

    /// <summary>
    /// True when the record is complete and lists an ECDSA scheme, false when it is complete and lists none, null
    /// when more bytes are needed (<paramref name="complete"/> false) or the bytes are not a ClientHello.
    /// </summary>
    public static bool? AcceptsEcdsa(ReadOnlySequence<byte> buffer, out bool complete)
    {
        complete = true;
        Span<byte> header = stackalloc byte[5];
        if (buffer.Length < 5) { complete = false; return null; }
        buffer.Slice(0, 5).CopyTo(header);
        if (header[0] != 0x16) return null;
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        if (buffer.Length < 5 + length) { complete = false; return null; }
        var record = buffer.Slice(5, length).ToArray();
        try
        {
            return Parse(record);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool? Parse(ReadOnlySpan<byte> hello)
    {
        if (hello[0] != 1) return null;
        var p = 4 + 2 + 32;
        p += 1 + hello[p];
        p += 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[p..]);
        p += 1 + hello[p];
        if (p + 2 > hello.Length) return false;
        var end = p + 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[p..]);
        p += 2;
        while (p + 4 <= end && p + 4 <= hello.Length)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(hello[p..]);
            var size = BinaryPrimitives.ReadUInt16BigEndian(hello[(p + 2)..]);
            if (type == 13)
            {
                var list = hello.Slice(p + 4, size);
                var count = BinaryPrimitives.ReadUInt16BigEndian(list);
                for (var i = 2; i + 1 < count + 2 && i + 1 < list.Length; i += 2)
                    if (list[i + 1] == 0x03 && list[i] is 0x04 or 0x05 or 0x06) return true;
                return false;
            }
            p += 4 + size;
        }
        return false;
    }
}
