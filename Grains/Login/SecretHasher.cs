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
    public byte[] Hash(params ReadOnlySpan<string?> parts)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            var bytes = part is null ? [] : Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32LittleEndian(length, part is null ? -1 : bytes.Length);
            hmac.AppendData(length);
            hmac.AppendData(bytes);
        }
        return hmac.GetHashAndReset()[..16];
    }
}
