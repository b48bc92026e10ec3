using System.Text;

namespace OrleansMail.Tests.Support;

/// <summary>What <see cref="ScriptedDnsServer"/> answers to one name and type.</summary>
/// <param name="ResponseCode">RFC 1035 §4.1.1 RCODE: 0 no error, 2 SERVFAIL, 3 NXDOMAIN.</param>
/// <param name="Rdata">The answer records' RDATA, each sent with the question's name and type.</param>
/// <param name="Silent">Never answer (a timeout).</param>
/// <param name="TruncatedOverUdp">Over UDP, answer only a header with the TC bit; the records come over TCP.</param>
public sealed record ScriptedDnsReply(int ResponseCode, IReadOnlyList<byte[]> Rdata, bool Silent = false, bool TruncatedOverUdp = false)
{
    /// <summary>NXDOMAIN.</summary>
    public static ScriptedDnsReply NxDomain { get; } = new(3, []);

    /// <summary>SERVFAIL.</summary>
    public static ScriptedDnsReply ServFail { get; } = new(2, []);

    /// <summary>No answer at all.</summary>
    public static ScriptedDnsReply Silence { get; } = new(0, [], Silent: true);

    /// <summary>NOERROR with these records (none: NODATA).</summary>
    public static ScriptedDnsReply Records(params byte[][] rdata) => new(0, rdata);

    /// <summary>NOERROR with domain-name records (PTR), in this order; each name's labels are its UTF-8 bytes between dots.</summary>
    public static ScriptedDnsReply Names(params string[] names) => Records([.. names.Select(EncodeName)]);

    /// <summary>RFC 1035 §3.1: each label as its length byte and bytes, then the zero-length root label.</summary>
    private static byte[] EncodeName(string name)
    {
        var encoded = new List<byte>();
        foreach (var label in name.Length == 0 ? [] : name.Split('.'))
        {
            var bytes = Encoding.UTF8.GetBytes(label);
            if (bytes.Length is 0 or > 63)
            {
                throw new ArgumentException($"label of {bytes.Length} bytes in \"{name}\"", nameof(name));
            }

            encoded.Add((byte)bytes.Length);
            encoded.AddRange(bytes);
        }

        encoded.Add(0);
        return [.. encoded];
    }
}
