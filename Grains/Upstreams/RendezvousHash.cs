using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: every (key, node) pair gets a pseudo-random weight, and a key's nodes
/// in falling weight are its order of preference. So a login keeps landing on the same upstream while it is
/// available; when one upstream leaves, only the logins that preferred it move (each to its own second choice,
/// spreading them over the rest); when it returns, exactly those come back. No ring, no state: every silo computes
/// the same order from the configuration alone (the Dovecot director's purpose, without its ring gossip).
/// </summary>
public static class RendezvousHash
{
    /// <summary>
    /// The weight of <paramref name="node"/> for <paramref name="key"/>: the first 8 bytes of SHA-256 over both, so it
    /// is the same in every process (unlike <see cref="string.GetHashCode()"/>) and well spread for any node names.
    /// </summary>
    public static ulong Weight(string key, string node)
    {
        var length = Encoding.UTF8.GetByteCount(key) + 1 + Encoding.UTF8.GetByteCount(node);
        var buffer = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(node, buffer);
        buffer[written++] = 0;
        Encoding.UTF8.GetBytes(key, buffer[written..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary><paramref name="nodes"/> in <paramref name="key"/>'s order of preference (ties broken by name, so still stable).</summary>
    public static IReadOnlyList<T> Order<T>(string key, IEnumerable<T> nodes, Func<T, string> name) =>
        nodes.Select(n => (Node: n, Name: name(n), Weight: Weight(key, name(n))))
            .OrderByDescending(n => n.Weight)
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => n.Node)
            .ToList();
}
