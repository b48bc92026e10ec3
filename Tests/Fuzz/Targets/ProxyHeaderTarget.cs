using System.Buffers;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// <see cref="ProxyHeaderParser"/> on the first bytes of a connection (haproxy's proxy-protocol.txt v1 and v2).
/// Checks that Incomplete and Invalid consume nothing; that a complete header is at most 4096 bytes and every shorter
/// prefix of it is Incomplete (the middleware then reads more); that a prefix of an incomplete input is incomplete too;
/// that any split into segments gives the same answer; and that a parse allocates in proportion to the header.
/// </summary>
internal sealed class ProxyHeaderTarget : IFuzzTarget
{
    public string Name => "proxy-header";

    public void Run(ReadOnlyMemory<byte> input)
    {
        // The middleware never hands over more than it will look at (ProxyHeaderParser.MaxLength).
        input = input[..Math.Min(input.Length, ProxyHeaderParser.MaxLength)];
        var whole = Parse(new ReadOnlySequence<byte>(input), out var consumed);
        Invariant.Equal(whole, Parse(Segments.Split(input), out _), "a split of the input changed the PROXY header");
        if (input.Length <= 256)
            Invariant.Equal(whole, Parse(Segments.Bytewise(input), out _), "one byte per segment changed the PROXY header");

        foreach (var cut in Segments.Cuts(input.Span, 4).Append((int)consumed - 1))
        {
            if (cut <= 0 || cut >= input.Length) continue;
            var shorter = Parse(new ReadOnlySequence<byte>(input[..cut]), out _);
            if (whole.StartsWith(nameof(ProxyHeaderStatus.Complete)) && cut < consumed || whole.StartsWith(nameof(ProxyHeaderStatus.Incomplete)))
                Invariant.That(shorter.StartsWith(nameof(ProxyHeaderStatus.Incomplete)), $"{cut} bytes of a header that is {whole} parsed as {shorter}");
        }
    }

    private static string Parse(ReadOnlySequence<byte> input, out long consumed)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var status = ProxyHeaderParser.TryParse(input, out var header, out var end);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        consumed = input.Slice(input.Start, end).Length;
        Invariant.AllocationBounded(allocated, input.Length, 2048, 16, "ProxyHeaderParser.TryParse");
        if (status != ProxyHeaderStatus.Complete)
        {
            Invariant.Equal(0L, consumed, $"{status} consumed input");
            Invariant.That(header is null, $"{status} returned a header");
        }
        else
        {
            Invariant.That(header is not null && consumed is > 0 and <= ProxyHeaderParser.MaxLength, $"a complete header of {consumed} bytes");
        }
        return $"{status} {consumed} {header?.Version} {header?.Source} {header?.Destination} {header?.SourceText} {header?.DestinationText}";
    }
}
