using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Tests.Connections;

/// <summary>One line from a pipe: CRLF or bare LF ends it, and the line comes back without either.</summary>
public sealed class LineReaderTests
{
    private static async Task<(LineStatus Status, string Line, string Remaining)> ReadAsync(int maxLength, params string[] writes)
    {
        var pipe = new Pipe();
        foreach (var write in writes)
        {
            // Each write its own segment, so a CR can arrive apart from the rest of its line.
            await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(write), TestContext.Current.CancellationToken);
        }
        await pipe.Writer.CompleteAsync();
        var reader = pipe.Reader;
        var (status, line) = await LineReader.ReadLineAsync(reader, maxLength, () => reader.ReadAsync(TestContext.Current.CancellationToken));
        var rest = await reader.ReadAsync(TestContext.Current.CancellationToken);
        return (status, line, Encoding.UTF8.GetString(rest.Buffer));
    }

    [Theory]
    [InlineData("+ OK\r\nnext", "+ OK")]
    [InlineData("+ OK\nnext", "+ OK")]
    [InlineData("\r\nnext", "")]
    [InlineData("a\rb\r\nnext", "a\rb")]
    [InlineData("j\u00f6rg\r\r\nnext", "j\u00f6rg\r")]
    public async Task TheLineEndIsRemovedAndTheRestStaysUnread(string input, string expected)
    {
        var (status, line, rest) = await ReadAsync(100, input);
        Assert.Equal((LineStatus.Line, expected, "next"), (status, line, rest));
    }

    [Fact]
    public async Task ACarriageReturnInItsOwnSegmentIsStillRemoved()
    {
        var (status, line, rest) = await ReadAsync(100, "dGVzdA==", "\r", "\nnext");
        Assert.Equal((LineStatus.Line, "dGVzdA==", "next"), (status, line, rest));
    }

    [Fact]
    public async Task ALineOverTheLimitIsTooLongAndAClosedPipeIsClosed()
    {
        Assert.Equal(LineStatus.TooLong, (await ReadAsync(4, "abcdefgh\r\n")).Status);
        Assert.Equal(LineStatus.Closed, (await ReadAsync(100, "no line end")).Status);
    }
}
