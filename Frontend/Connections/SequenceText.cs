using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// UTF-8 text of a piece of a received line, each invalid sequence replaced by U+FFFD as Encoding.UTF8 does. A piece
/// within one buffer segment (nearly always) is decoded in place; one split across segments is copied once first.
/// The only allocation is the string (and that copy): Encoding.GetString over a ReadOnlySequence sets up a Decoder per
/// call (about 2.5 KB), and Encoding.UTF8 allocates a fallback buffer for every string with an invalid byte in it;
/// a hostile client can send either on every line. The fuzzer's allocation bound caught both (README "Fuzzing").
/// </summary>
internal static class SequenceText
{
    public static string Utf8(in ReadOnlySequence<byte> bytes) =>
        bytes.IsSingleSegment ? Decode(bytes.FirstSpan) : Decode(bytes.ToArray());

    /// <summary>The text followed by CRLF, in one string: a line that goes on as it is.</summary>
    public static string Utf8WithLineEnd(in ReadOnlySequence<byte> bytes) =>
        bytes.IsSingleSegment ? DecodeWithLineEnd(bytes.FirstSpan) : DecodeWithLineEnd(bytes.ToArray());

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        return string.Create(CharCount(bytes), bytes, static (chars, bytes) =>
            System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out _, out _, replaceInvalidSequences: true));
    }

    private static string DecodeWithLineEnd(ReadOnlySpan<byte> bytes) =>
        string.Create((System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetCharCount(bytes) : CharCount(bytes)) + 2, bytes, static (chars, bytes) =>
        {
            System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out _, out var written, replaceInvalidSequences: true);
            chars[written] = '\r';
            chars[written + 1] = '\n';
        });

    /// <summary>
    /// The UTF-16 length of invalid UTF-8 with each invalid sequence replaced, counted through a stack buffer:
    /// Encoding.UTF8 would allocate its fallback buffer here too.
    /// </summary>
    private static int CharCount(ReadOnlySpan<byte> bytes)
    {
        Span<char> chunk = stackalloc char[256];
        var count = 0;
        while (true)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(bytes, chunk, out var read, out var written, replaceInvalidSequences: true);
            count += written;
            bytes = bytes[read..];
            if (status != OperationStatus.DestinationTooSmall) return count;
        }
    }
}
