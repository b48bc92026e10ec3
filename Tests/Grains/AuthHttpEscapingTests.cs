using OrleansMail.Grains.AuthHttp;

namespace OrleansMail.Tests.Grains;

/// <summary>NGX_ESCAPE_MAIL_AUTH (src/mail/ngx_mail_auth_http_module.c): only 0x00–0x20 and '%' are escaped, upper-case hex.</summary>
public sealed class AuthHttpEscapingTests
{
    public static TheoryData<int> AllAsciiBytes()
    {
        var data = new TheoryData<int>();
        for (var b = 0; b <= 0x7F; b++)
        {
            data.Add(b);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllAsciiBytes))]
    public void EveryAsciiByteIsEscapedExactlyWhenNginxDoes(int b)
    {
        var input = ((char)b).ToString();
        var expected = b <= 0x20 || b == '%' ? $"%{b:X2}" : input;

        Assert.Equal(expected, AuthHttpEscaping.Escape(input));
    }

    [Theory]
    [InlineData("\u001F", "%1F")]
    [InlineData(" ", "%20")]
    [InlineData("!", "!")]
    [InlineData("%", "%25")]
    [InlineData("\u007F", "\u007F")]
    [InlineData("\n", "%0A")]
    [InlineData("\r", "%0D")]
    [InlineData("\0", "%00")]
    [InlineData("+", "+")]
    [InlineData("\"", "\"")]
    public void BoundaryBytes(string input, string expected) => Assert.Equal(expected, AuthHttpEscaping.Escape(input));

    [Theory]
    [InlineData("jürgen@exämple.org")]
    [InlineData("日本語")]
    [InlineData("\u0080\u00FF\u0100")]
    [InlineData("emoji\U0001F600")]
    public void NonAsciiPassesRaw(string input) => Assert.Equal(input, AuthHttpEscaping.Escape(input));

    [Fact]
    public void MixedValue()
    {
        Assert.Equal("p%20a%25s%09s+w\"ö%0D%0A", AuthHttpEscaping.Escape("p a%s\ts+w\"ö\r\n"));
    }

    [Fact]
    public void EmptyStaysEmpty() => Assert.Equal("", AuthHttpEscaping.Escape(""));
}
