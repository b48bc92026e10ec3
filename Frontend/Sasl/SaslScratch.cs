using System.Buffers;

namespace OrleansMail.Frontend.Sasl;

/// <summary>
/// Room for decoding a base64 response of a given length: a pooled array, cleared when returned because it held
/// credentials. (A SASL response is bounded by imap_client_buffer or sasl_oauth_buffer, which may be configured large,
/// so no stackalloc.)
/// </summary>
internal readonly ref struct SaslScratch
{
    private readonly byte[] _array;

    public SaslScratch(int base64Length)
    {
        _array = ArrayPool<byte>.Shared.Rent(base64Length / 4 * 3);
        Span = _array.AsSpan(0, base64Length / 4 * 3);
    }

    public Span<byte> Span { get; }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_array, clearArray: true);
}
