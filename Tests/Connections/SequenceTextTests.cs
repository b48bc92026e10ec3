using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Connections;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Connections;

/// <summary>
/// SequenceText decodes as Encoding.UTF8 does, invalid sequences included, whole or split across segments, and
/// allocates nothing for an invalid byte beyond the string itself.
/// </summary>
public sealed class SequenceTextTests
{
    public static TheoryData<string> Inputs => new()
    {
        "", "MAIL FROM:<a@example.org>", "RCPT TO:<ü@example.org>", "E0E0E0", "FF7D03E864", "F09F9880", "F09F98", "C0AF",
        "EDA080", "F4908080", "61E282", "E282AC41FFFE",
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void DecodesAsEncodingUtf8Does(string input)
    {
        var bytes = input.Length > 0 && input.All(Uri.IsHexDigit) && input.Length % 2 == 0 ? Convert.FromHexString(input) : Encoding.UTF8.GetBytes(input);
        var expected = Encoding.UTF8.GetString(bytes);
        Assert.Equal(expected, SequenceText.Utf8(new ReadOnlySequence<byte>(bytes)));
        Assert.Equal(expected + "\r\n", SequenceText.Utf8WithLineEnd(new ReadOnlySequence<byte>(bytes)));
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(expected, SequenceText.Utf8(TwoSegments.Of(bytes.AsMemory(0, cut), bytes.AsMemory(cut))));
            Assert.Equal(expected + "\r\n", SequenceText.Utf8WithLineEnd(TwoSegments.Of(bytes.AsMemory(0, cut), bytes.AsMemory(cut))));
        }
    }

    [Fact]
    public void RandomBytesDecodeAsEncodingUtf8Does()
    {
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            Assert.Equal(Encoding.UTF8.GetString(bytes), SequenceText.Utf8(new ReadOnlySequence<byte>(bytes)));
        }
    }

    [Fact]
    public void AnInvalidLineAllocatesOnlyItsString()
    {
        var bytes = Enumerable.Repeat((byte)0xE0, 40).ToArray();
        var sequence = new ReadOnlySequence<byte>(bytes);
        SequenceText.Utf8(sequence);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var text = SequenceText.Utf8(sequence);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // A string of 40 chars: a 22-byte header on 64-bit and 2 bytes a char, rounded up to 8.
        Assert.Equal(40, text.Length);
        Assert.True(allocated <= 112, $"{allocated} bytes");
    }
}
