using OrleansMail.Frontend.ProxyProtocol;

namespace OrleansMail.Tests.Checksums;

/// <summary>
/// The PROXY v2 CRC-32C against the published vectors: RFC 3720 appendix B.4 (32 zero bytes, 32 0xFF bytes, 0..31,
/// 31..0, an iSCSI read PDU of 48 bytes) and the catalogue's check value for "123456789", whose nine bytes also take
/// the byte-at-a-time tail after the eight-byte steps.
/// </summary>
public sealed class Crc32CTests
{
    public static TheoryData<string, uint> Vectors => new()
    {
        { Convert.ToHexString(new byte[32]), 0x8A9136AAu },
        { Convert.ToHexString(Enumerable.Repeat((byte)0xFF, 32).ToArray()), 0x62A8AB43u },
        { Convert.ToHexString(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()), 0x46DD794Eu },
        { Convert.ToHexString(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()), 0x113FDB5Cu },
        {
            "01C00000000000000000000000000000" + "14000000000004000000001400000018" + "28000000000000000200000000000000",
            0xD9963A56u
        },
        { Convert.ToHexString("123456789"u8), 0xE3069283u },
        { "", 0u },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void MatchesThePublishedVector(string hex, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(Convert.FromHexString(hex)));
}
