using System.Buffers;
using System.Text;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// UTF-8 text of a piece of a received line. A piece within one buffer segment (nearly always) is decoded in place;
/// one split across segments is copied once first. Encoding.GetString over a ReadOnlySequence (EncodingExtensions)
/// sets up a Decoder per call, about 2.5 KB even for a short single-segment line, which the fuzzer's allocation bound
/// caught (README "Fuzzing").
/// </summary>
internal static class SequenceText
{
    public static string Utf8(in ReadOnlySequence<byte> bytes) =>
        bytes.IsSingleSegment ? Encoding.UTF8.GetString(bytes.FirstSpan) : Encoding.UTF8.GetString(bytes.ToArray());
}
