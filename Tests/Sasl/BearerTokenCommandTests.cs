using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sasl;

namespace OrleansMail.Tests.Sasl;

/// <summary>Which command lines may be as long as sasl_oauth_buffer, decided from their start.</summary>
public sealed class BearerTokenCommandTests
{
    private const SaslMechanisms Both = SaslMechanisms.XOAuth2 | SaslMechanisms.OAuthBearer;

    private static bool Starts(string line, SaslMechanisms usable, bool imap, bool complete) =>
        BearerTokenCommand.Starts(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line)), usable, imap, complete);

    [Theory]
    [InlineData("AUTH XOAUTH2 dXNlcj1h", false)]
    [InlineData("auth  oauthbearer bj1h", false)]
    [InlineData("AUTH XOAUTH2\r", false)]
    [InlineData("a1 AUTHENTICATE XOAUTH2 dXNl", true)]
    [InlineData("a1 authenticate OAuthBearer {12000}\r\n", true)]
    [InlineData("a1 AUTHENTICATE OAUTHBEARER {12000+}\r\n", true)]
    public void ABearerCommandIsRecognised(string line, bool imap)
    {
        Assert.True(Starts(line, Both, imap, complete: true));
        Assert.False(Starts(line, SaslMechanisms.Plain, imap, complete: true));
    }

    [Theory]
    [InlineData("AUTH PLAIN AGFsaWNl", false)]
    [InlineData("AUTH XOAUTH2X abc", false)]
    [InlineData("AUTHXOAUTH2 abc", false)]
    [InlineData("USER XOAUTH2", false)]
    [InlineData("a AUTHENTICATE PLAIN AGFsaWNl", true)]
    [InlineData("a LOGIN XOAUTH2 x", true)]
    [InlineData(" AUTHENTICATE XOAUTH2 x", true)]
    [InlineData("AUTH XOAUTH2 x", true)]   // IMAP needs a tag
    public void AnyOtherLineIsNot(string line, bool imap) => Assert.False(Starts(line, Both, imap, complete: true));

    [Fact]
    public void OnlyTheUsableMechanismCounts()
    {
        Assert.True(Starts("AUTH XOAUTH2 x", SaslMechanisms.XOAuth2, imap: false, complete: true));
        Assert.False(Starts("AUTH OAUTHBEARER x", SaslMechanisms.XOAuth2, imap: false, complete: true));
    }

    [Theory]
    [InlineData("AU")]
    [InlineData("AUTH ")]
    [InlineData("AUTH  XOAU")]
    [InlineData("AUTH OAUTHBE")]
    public void AStartTooShortToTellMayGoOnArriving(string start)
    {
        Assert.True(Starts(start, Both, imap: false, complete: false));
        Assert.False(Starts(start, Both, imap: false, complete: true));
        Assert.False(Starts("X" + start, Both, imap: false, complete: false));
    }

    [Theory]
    [InlineData("AUTH XOAUTH2 ", 100, "Line")]
    [InlineData("AUTH XOAUTH2 ", 2000, "Line")]
    [InlineData("AUTH XOAUTH2 ", 2001, "TooLong")]
    [InlineData("AUTH PLAIN ", 100, "Line")]
    [InlineData("AUTH PLAIN ", 101, "TooLong")]
    [InlineData("MAIL FROM:", 101, "TooLong")]
    public async Task TheLineReaderTakesABearerLineUpToItsOwnLimit(string command, int length, string expected)
    {
        // length counts the line with its CR, as the reader does; sent in small pieces to take the partial-line path.
        var pipe = new Pipe();
        var line = command + new string('A', length - command.Length - 1) + "\r\n";
        var limit = new LineLimit(100, 2000, Both);
        var reading = LineReader.ReadLineAsync(pipe.Reader, limit, () => pipe.Reader.ReadAsync(TestContext.Current.CancellationToken));
        foreach (var chunk in Encoding.ASCII.GetBytes(line).Chunk(97))
        {
            await pipe.Writer.WriteAsync(chunk, TestContext.Current.CancellationToken);
        }
        var (status, text) = await reading;
        Assert.Equal(expected, status.ToString());
        if (status == LineStatus.Line) Assert.Equal(line[..^2], text);
    }
}
