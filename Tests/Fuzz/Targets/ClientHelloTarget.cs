using System.Buffers;
using OrleansMail.Frontend.Tls;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// <see cref="ClientHelloProbe"/> on a connection's first bytes (a TLS record, RFC 8446 §5.1). Checks that it asks
/// for more exactly while the first record is short of its announced length, never answers before (every prefix of a
/// complete record is incomplete), answers the same for any split into segments, and copies no more than the record.
/// </summary>
internal sealed class ClientHelloTarget : IFuzzTarget
{
    public string Name => "client-hello";

    public void Run(ReadOnlyMemory<byte> input)
    {
        input = input[..Math.Min(input.Length, ClientHelloProbe.MaxRecord)];
        var whole = Probe(new ReadOnlySequence<byte>(input));
        Invariant.Equal(whole, Probe(Segments.Split(input)), "a split of the input changed the ClientHello answer");

        // The record's length is announced in its header: complete exactly when all of it is there.
        var recordLength = input.Length >= 5 ? 5 + (input.Span[3] << 8 | input.Span[4]) : int.MaxValue;
        Invariant.Equal(input.Length >= recordLength || input.Length >= 5 && input.Span[0] != 0x16, whole.Complete, "complete");
        foreach (var cut in Segments.Cuts(input.Span, 4))
        {
            var shorter = Probe(new ReadOnlySequence<byte>(input[..cut]));
            var shortOfRecord = cut < 5 || input.Span[0] == 0x16 && cut < recordLength;
            if (shortOfRecord || !whole.Complete)
                Invariant.That(!shorter.Complete, $"{cut} bytes of the input answered {shorter}");
        }
    }

    private static (bool? Ecdsa, bool Complete) Probe(ReadOnlySequence<byte> input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ecdsa = ClientHelloProbe.AcceptsEcdsa(input, out var complete);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // One copy of the record, nothing more.
        Invariant.AllocationBounded(allocated, input.Length, 256, 2, "ClientHelloProbe.AcceptsEcdsa");
        Invariant.That(complete || ecdsa is null, "an answer before the record is complete");
        return (ecdsa, complete);
    }
}
