using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Pop3;

namespace OrleansMail.Tests.Pop3;

/// <summary>CAPA and the AUTH list, per <c>pop3_auth</c> and <c>pop3_capabilities</c> (src/mail/ngx_mail_pop3_handler.c).</summary>
public sealed class Pop3CapabilitiesTests
{
    private static Pop3Settings Settings(SaslMechanisms auth, params string[] capabilities) => new(auth, Apop: false, capabilities, 4096);

    [Fact]
    public void DefaultsAsNginx()
    {
        var pop3 = Settings(SaslMechanisms.Plain | SaslMechanisms.Login, "TOP", "USER", "UIDL");
        Assert.Equal("+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n", Pop3Capabilities.BuildCapa(pop3));
        Assert.Equal("+OK methods supported:\r\nPLAIN\r\nLOGIN\r\n.\r\n", Pop3Capabilities.BuildAuthList(pop3));
    }

    [Fact]
    public void NoMechanismsLeaveAnEmptySaslLine()
    {
        var pop3 = Settings(SaslMechanisms.None);
        Assert.Equal("+OK Capability list follows\r\nSASL\r\n.\r\n", Pop3Capabilities.BuildCapa(pop3));
        Assert.Equal("+OK methods supported:\r\n.\r\n", Pop3Capabilities.BuildAuthList(pop3));
    }

    [Fact]
    public void AllMechanismsInNginxsOrder()
    {
        var pop3 = Settings(SaslMechanisms.External | SaslMechanisms.CramMd5 | SaslMechanisms.Login | SaslMechanisms.Plain, "UIDL");
        Assert.Equal("+OK Capability list follows\r\nUIDL\r\nSASL PLAIN LOGIN CRAM-MD5 EXTERNAL\r\n.\r\n", Pop3Capabilities.BuildCapa(pop3));
    }
}
