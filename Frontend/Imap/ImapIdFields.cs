using System.Net;
using Microsoft.AspNetCore.Connections;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// The parameter list of the IMAP <c>ID</c> command (RFC 2971) sent upstream with ProxyImapId: the client's address
/// and port (after set_real_ip_from), the proxy's local address and port, and the session's id — the fields Dovecot
/// reads from a proxy in its login_trusted_networks (<c>x-originating-ip</c>, <c>x-originating-port</c>,
/// <c>x-connected-ip</c>, <c>x-connected-port</c>, <c>x-session-id</c>).
/// </summary>
internal static class ImapIdFields
{
    public static string Format(ConnectionContext connection)
    {
        var fields = new List<string>();
        Add(fields, "x-originating", connection.RemoteEndPoint);
        Add(fields, "x-connected", connection.LocalEndPoint);
        // Kestrel's connection ids are letters and digits: safe inside a quoted string.
        fields.Add($"\"x-session-id\" \"{connection.ConnectionId}\"");
        return "(" + string.Join(' ', fields) + ")";
    }

    private static void Add(List<string> fields, string prefix, EndPoint? endPoint)
    {
        if (endPoint is not IPEndPoint ip) return;
        var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        fields.Add($"\"{prefix}-ip\" \"{address}\" \"{prefix}-port\" \"{ip.Port}\"");
    }
}
