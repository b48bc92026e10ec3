using OrleansMail.Frontend.Configuration.Nginx;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>nginx's lexical rules (ngx_conf_read_token): words, quotes, escapes, comments, separators.</summary>
public sealed class NginxTokenizerTests
{
    private static List<(NginxTokenKind Kind, string Text)> Tokens(string text)
    {
        var tokenizer = new NginxTokenizer(text, "t.conf");
        var result = new List<(NginxTokenKind, string)>();
        while (tokenizer.Next() is { } token) result.Add((token.Kind, token.Text));
        return result;
    }

    private static string Words(string text) => string.Join("|", Tokens(text).Select(t => t.Text));

    [Theory]
    [InlineData("a b;", "a|b|;")]
    [InlineData("a\tb\r\nc;", "a|b|c|;")]
    [InlineData("a{b;}", "a|{|b|;|}")]
    [InlineData("a \"b c; d\";", "a|b c; d|;")]
    [InlineData("a 'b \"c\"';", "a|b \"c\"|;")]
    [InlineData("a \"b\\\"c\";", "a|b\"c|;")]
    [InlineData("a 'it\\'s';", "a|it's|;")]
    [InlineData("a b\\;c;", "a|b\\;c|;")]
    [InlineData("a b\\\\c;", "a|b\\c|;")]
    [InlineData("a \"x\\ty\";", "a|x\ty|;")]
    [InlineData("a b\\d;", "a|b\\d|;")]
    [InlineData("# comment ; {\na;", "a|;")]
    [InlineData("a b#c; # tail\n", "a|b#c|;")]
    [InlineData("a ${x}y;", "a|${x}y|;")]
    [InlineData("a \"\";", "a||;")]
    [InlineData("a b} c;", "a|b}|c|;")]
    public void WordsFollowNginxsRules(string text, string expected) => Assert.Equal(expected, Words(text));

    [Fact]
    public void AClosingQuoteMustBeFollowedByASeparator()
    {
        var error = Assert.Throws<NginxConfigurationException>(() => Tokens("a \"b\"c;"));
        Assert.Equal("unexpected \"c\" in t.conf:1", error.Message);
    }

    [Fact]
    public void AnUnterminatedQuoteIsAnEndOfFileError()
    {
        var error = Assert.Throws<NginxConfigurationException>(() => Tokens("a\n\"b;\n"));
        Assert.Equal("unexpected end of file, expecting \";\" or \"}\" in t.conf:3", error.Message);
    }

    /// <summary>
    /// Found by fuzzing (Tests/Fuzz/regressions/nginx-config): a NUL in a certificate path reached Path.GetFullPath and
    /// ended startup with an ArgumentException's stack trace; it is now refused where it stands, bare or quoted.
    /// </summary>
    [Theory]
    [InlineData("ssl_certificate a\0b.pem;")]
    [InlineData("a;\nssl_certificate \"a\0b.pem\";")]
    [InlineData("ssl_certificate a\\\0b.pem;")]
    [InlineData("ssl_certificate 'a\\\0b.pem';")]
    public void ANulCharacterInAWordIsRefusedWithItsLine(string text)
    {
        var error = Assert.Throws<NginxConfigurationException>(() => Tokens(text));
        Assert.Equal($"unexpected NUL character in t.conf:{text.Count(c => c == '\n') + 1}", error.Message);
    }

    [Fact]
    public void ANulCharacterInACommentIsIgnored() => Assert.Equal("a|;", Words("# x\0y\na;"));

    [Fact]
    public void LinesAreCountedInsideQuotesAndComments()
    {
        var tokenizer = new NginxTokenizer("# one\n'a\nb' c\n;", "t.conf");
        Assert.Equal(2, tokenizer.Next()!.Value.Line);
        Assert.Equal(3, tokenizer.Next()!.Value.Line);
        Assert.Equal(4, tokenizer.Next()!.Value.Line);
    }

    /// <summary>
    /// Every prefix of a configuration (the ways a file can be cut short) either parses or fails with one of nginx's
    /// end-of-file messages at a line of the file: never another exception, never a hang.
    /// </summary>
    [Fact]
    public void EveryPrefixOfAFileParsesOrFailsWithAnEndOfFileError()
    {
        const string text = "user nobody;\n# c ; {\nmail {\n  server_name \"a b\\\" ;{\";\n  auth_http 'x\\'y' ;\n  server { listen 143; }\n}\n";
        for (var length = 0; length <= text.Length; length++)
        {
            var prefix = text[..length];
            try
            {
                NginxParser.ParseText(prefix, "t.conf", "/tmp");
            }
            catch (NginxConfigurationException e)
            {
                Assert.Matches("^unexpected (end of file, expecting (\";\" or \"}\"|\"}\")|\"[^\"]\") in t.conf:[1-8]$", e.Message);
            }
        }
    }
}
