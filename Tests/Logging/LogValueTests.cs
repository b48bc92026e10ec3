using OrleansMail.Grains.Logging;

namespace OrleansMail.Tests.Logging;

/// <summary>The escaping rule for client-supplied values in log lines (README "Logging").</summary>
public sealed class LogValueTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("jürgen doe", "jürgen doe")]
    [InlineData("a\r\nb", "a\\x0D\\x0Ab")]
    [InlineData("\u001b[31mred", "\\x1B[31mred")]
    [InlineData("say \"hi\" \\o/", "say \\x22hi\\x22 \\x5Co/")]
    [InlineData("del\u007f c1\u0085 ls\u2028", "del\\x7F c1\\x85 ls\\u2028")]
    [InlineData("", "")]
    public void ControlCharactersQuotesAndBackslashesBecomeHexEscapes(string value, string logged) =>
        Assert.Equal(logged, LogValue.Escape(value));

    [Fact]
    public void AWholeLineKeepsItsQuotesAndLosesOnlyControlCharacters() =>
        Assert.Equal("client login failed: \"x\\x0Ay\"", LogValue.EscapeControls("client login failed: \"x\ny\""));
}
