using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// The pre-login CAPABILITY line: <c>imap_capabilities</c> then the <c>AUTH=</c> items that <c>imap_auth</c>
/// enables, in nginx's order (nginx-mail.md §3.2). Built once per listener.
/// </summary>
internal static class ImapCapabilities
{
    public static string Build(ImapSettings imap)
    {
        var items = new List<string>(imap.Capabilities);
        if (imap.Auth.HasFlag(SaslMechanisms.Plain)) items.Add("AUTH=PLAIN");
        if (imap.Auth.HasFlag(SaslMechanisms.Login)) items.Add("AUTH=LOGIN");
        if (imap.Auth.HasFlag(SaslMechanisms.CramMd5)) items.Add("AUTH=CRAM-MD5");
        if (imap.Auth.HasFlag(SaslMechanisms.External)) items.Add("AUTH=EXTERNAL");
        return "* CAPABILITY " + string.Join(' ', items) + "\r\n";
    }
}
