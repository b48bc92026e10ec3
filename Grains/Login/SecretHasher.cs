using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Keyed hashes (HMAC-SHA256, truncated to 128 bits) of secrets, so that the cache and the throttling state compare
/// secrets without holding them. The key is <see cref="LoginPolicySettings.SecretHashKey"/> or, unset, drawn at
/// random when the silo process starts and never stored: without the key a stored hash cannot be tested against
/// guessed passwords. A grain that moves to another silo then sees its old hashes as unknown: the cache starts cold
/// (safe) and throttling counts a repeated wrong secret once more (stricter, never laxer).
/// </summary>
internal sealed class SecretHasher(LoginPolicySettings settings)
{
    private readonly byte[] _key = settings.SecretHashKey ?? RandomNumberGenerator.GetBytes(32);

    /// <summary>The hash of the parts, each length-prefixed so that ("ab","c") and ("a","bc") differ.</summary>
    /// <remarks>
    /// Runs on every login decision (the cache key hashes about twenty parts), so parts are encoded into one reused
    /// buffer instead of an array each.
    /// </remarks>
    public byte[] Hash(params ReadOnlySpan<string?> parts)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        Span<byte> length = stackalloc byte[4];
        Span<byte> small = stackalloc byte[256];
        foreach (var part in parts)
        {
            var count = part is null ? -1 : Encoding.UTF8.GetByteCount(part);
            BinaryPrimitives.WriteInt32LittleEndian(length, count);
            hmac.AppendData(length);
            if (count <= 0) continue;
            var rented = count > small.Length ? ArrayPool<byte>.Shared.Rent(count) : null;
            var buffer = rented ?? small;
            hmac.AppendData(buffer[..Encoding.UTF8.GetBytes(part, buffer)]);
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
        Span<byte> hash = stackalloc byte[32];
        hmac.GetHashAndReset(hash);
        return hash[..16].ToArray();
    }
}
