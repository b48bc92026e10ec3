using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// The line a connection over a limit gets before it is closed: the protocol's temporary failure, so a client tries
/// again later instead of reporting a wrong password. IMAP <c>* BYE [UNAVAILABLE]</c> (RFC 3501 §7.1.5, RFC 5530),
/// POP3 <c>-ERR [SYS/TEMP]</c> (RFC 3206), SMTP <c>421 4.7.0</c> (RFC 5321 §3.8). Nothing on an implicit-TLS port,
/// where a cleartext line would be no answer (the caller just closes).
/// </summary>
internal static class OverLimitReplies
{
    public const string Busy = "Too many connections, try again later";

    public const string BusyFromAddress = "Too many connections from your address, try again later";

    public static string For(MailProtocol protocol, string reason) => protocol switch
    {
        MailProtocol.Imap => $"* BYE [UNAVAILABLE] {reason}\r\n",
        MailProtocol.Pop3 => $"-ERR [SYS/TEMP] {reason}\r\n",
        _ => $"421 4.7.0 {reason}\r\n",
    };
}
