using System.Buffers;
using System.Buffers.Binary;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// Looks into a client's first TLS record without consuming it, for what SslStream's selection callback does not
/// tell: whether the client accepts ECDSA signatures (RFC 8446 §4.2.3 signature_algorithms), so that with an RSA and
/// an ECDSA certificate side by side each client gets one it can verify, as OpenSSL does for nginx.
/// Anything unexpected answers "unknown" and leaves the bytes to SslStream, which refuses what is not TLS: every
/// length in the record is checked against what is there, so a malformed ClientHello costs nothing but that answer.
/// </summary>
internal static class ClientHelloProbe
{
    /// <summary>A ClientHello fits one record (16 KB) in practice; the probe never waits for more.</summary>
    public const int MaxRecord = 16 * 1024 + 5;

    private const byte Handshake = 0x16, ClientHello = 1;
    private const ushort SignatureAlgorithms = 13;

    /// <summary>
    /// True when the record is complete and lists an ECDSA scheme, false when it is complete and lists none, null
    /// when more bytes are needed (<paramref name="complete"/> false) or the bytes are not a well-formed ClientHello.
    /// </summary>
    public static bool? AcceptsEcdsa(ReadOnlySequence<byte> buffer, out bool complete)
    {
        complete = true;
        Span<byte> header = stackalloc byte[5];
        if (buffer.Length < 5) { complete = false; return null; }
        buffer.Slice(0, 5).CopyTo(header);
        if (header[0] != Handshake) return null;
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        if (buffer.Length < 5 + length) { complete = false; return null; }
        return Parse(buffer.Slice(5, length).ToArray());
    }

    /// <summary>RFC 8446 §4.1.2: type, length, version, random, session id, cipher suites, compression, extensions.</summary>
    private static bool? Parse(ReadOnlySpan<byte> hello)
    {
        var reader = new Cursor(hello);
        if (!reader.Byte(out var type) || type != ClientHello || !reader.Skip(3 + 2 + 32)) return null;
        if (!reader.Vector8(out _) || !reader.Vector16(out _) || !reader.Vector8(out _)) return null;
        if (reader.AtEnd) return false; // no extensions at all (TLS 1.2 allows it)
        if (!reader.Vector16(out var extensions)) return null;
        var list = new Cursor(extensions);
        while (!list.AtEnd)
        {
            if (!list.UInt16(out var extension) || !list.Vector16(out var body)) return null;
            if (extension != SignatureAlgorithms) continue;
            var algorithms = new Cursor(body);
            if (!algorithms.Vector16(out var schemes) || schemes.Length % 2 != 0) return null;
            // ecdsa_secp256r1_sha256 (0x0403), ecdsa_secp384r1_sha384 (0x0503), ecdsa_secp521r1_sha512 (0x0603).
            for (var i = 0; i < schemes.Length; i += 2)
                if (schemes[i + 1] == 0x03 && schemes[i] is 0x04 or 0x05 or 0x06) return true;
            return false;
        }
        return false;
    }

    /// <summary>Reads TLS's length-prefixed fields; every read fails (false) rather than run past the end.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> span)
    {
        private ReadOnlySpan<byte> _rest = span;

        public readonly bool AtEnd => _rest.IsEmpty;

        public bool Skip(int count)
        {
            if (_rest.Length < count) return false;
            _rest = _rest[count..];
            return true;
        }

        public bool Byte(out byte value)
        {
            value = _rest.IsEmpty ? (byte)0 : _rest[0];
            return Skip(1);
        }

        public bool UInt16(out ushort value)
        {
            value = _rest.Length < 2 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(_rest);
            return Skip(2);
        }

        public bool Vector8(out ReadOnlySpan<byte> body) => Byte(out var length) ? Take(length, out body) : Fail(out body);

        public bool Vector16(out ReadOnlySpan<byte> body) => UInt16(out var length) ? Take(length, out body) : Fail(out body);

        private bool Take(int length, out ReadOnlySpan<byte> body)
        {
            body = _rest.Length < length ? default : _rest[..length];
            return Skip(length);
        }

        private static bool Fail(out ReadOnlySpan<byte> body)
        {
            body = default;
            return false;
        }
    }
}
