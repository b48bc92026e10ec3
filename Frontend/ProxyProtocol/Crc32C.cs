using System.Buffers.Binary;
using System.Numerics;

namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of the PROXY v2 <c>PP2_TYPE_CRC32C</c> TLV (proxy-protocol.txt §2.2.5), on
/// the runtime's <see cref="BitOperations.Crc32C(uint, ulong)"/> (the SSE4.2 / ARMv8 CRC instruction where there is
/// one). Those steps neither pre- nor post-invert, so the standard initial value and final inversion are here.
/// </summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        // Eight bytes per step, little-endian as the reflected CRC consumes them, then the tail a byte at a time.
        for (; data.Length >= sizeof(ulong); data = data[sizeof(ulong)..])
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
