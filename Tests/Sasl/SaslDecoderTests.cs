using System.Text;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Sasl;

public sealed class SaslDecoderTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void PlainIgnoresTheAuthorizationIdentity()
    {
        Assert.True(SaslDecoder.TryDecodePlain(B64("admin\0alice\0s3cr\u00e9t"), out var credentials));
        Assert.Equal(new Credentials(AuthMethod.Plain, "alice", "s3cr\u00e9t"), credentials);
    }

    [Theory]
    [InlineData("alice\0secret")]        // one NUL only
    [InlineData("no nul at all")]
    [InlineData("\0\0secret")]           // empty login
    [InlineData("\0al\rice\0secret")]    // CR in the login
    [InlineData("\0alice\0sec\nret")]    // LF in the password
    [InlineData("\0alice\0sec\0ret")]    // NUL in the password
    public void PlainRefusesMalformedOrUnsafeCredentials(string decoded)
    {
        Assert.False(SaslDecoder.TryDecodePlain(B64(decoded), out _));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("AGFsaWNlAHNlY3JldA")]    // missing padding
    [InlineData("AGFsaWNl AHNlY3JldA==")]
    [InlineData("!!!!")]
    [InlineData("")]
    public void BadBase64IsRefused(string response)
    {
        Assert.False(SaslDecoder.TryDecodeBase64(response, out _));
        Assert.False(SaslDecoder.TryDecodePlain(response, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(5000)]
    public void LongCredentialsDecodeWhole(int length)
    {
        var password = new string('p', length) + "\u00e9";
        Assert.True(SaslDecoder.TryDecodePlain(B64("\0alice\0" + password), out var credentials));
        Assert.Equal(new Credentials(AuthMethod.Plain, "alice", password), credentials);
        Assert.True(SaslDecoder.TryDecodeText(B64(password), out var text));
        Assert.Equal(password, text);
    }

    [Fact]
    public void CramMd5NeedsAUserAndA32CharacterDigest()
    {
        const string salt = "<1.2@mail.example.com>";
        var digest = new string('a', 32);
        Assert.True(SaslDecoder.TryDecodeCramMd5(B64("alice " + digest), salt, out var credentials));
        Assert.Equal(new Credentials(AuthMethod.CramMd5, "alice", digest, salt), credentials);
        Assert.False(SaslDecoder.TryDecodeCramMd5(B64("alice " + digest[1..]), salt, out _));
        Assert.False(SaslDecoder.TryDecodeCramMd5(B64(digest), salt, out _));
        Assert.False(SaslDecoder.TryDecodeCramMd5(B64("al\nice " + digest), salt, out _));
    }

    [Fact]
    public void ExternalAcceptsAnEmptyOrAnExplicitIdentity()
    {
        Assert.True(SaslDecoder.TryDecodeExternal("=", out var empty));
        Assert.Equal("", empty!.Login);
        Assert.True(SaslDecoder.TryDecodeExternal(B64("alice"), out var named));
        Assert.Equal(new Credentials(AuthMethod.External, "alice", ""), named);
    }

    [Fact]
    public void CredentialsNeverPrintTheSecret()
    {
        Assert.DoesNotContain("hunter2", new Credentials(AuthMethod.Plain, "alice", "hunter2").ToString());
    }
}
