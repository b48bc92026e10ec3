using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// The XCLIENT command (Postfix XCLIENT_README) that tells the upstream who the real client is. nginx sends
/// <c>ADDR=</c>, <c>LOGIN=</c> (omitted when empty or with proxy_smtp_auth) and <c>NAME=</c> (src/mail/ngx_mail_proxy_module.c);
/// beyond nginx, <c>PORT=</c>, <c>PROTO=</c>, <c>HELO=</c>, <c>DESTADDR=</c> and <c>DESTPORT=</c> are added when the
/// upstream's EHLO reply lists them, so its logs and policy see the client's port, greeting and the address it
/// connected to. Every value a client or DNS can influence is xtext-encoded.
/// </summary>
internal static class XclientCommand
{
    /// <summary>The attribute names the upstream's EHLO reply lists after <c>XCLIENT</c>, or null when it lists no XCLIENT.</summary>
    public static HashSet<string>? OfferedAttributes(SmtpReply ehlo)
    {
        foreach (var line in ehlo.Lines)
        {
            if (line.Length < 11 || !line.AsSpan(4).StartsWith("XCLIENT", StringComparison.OrdinalIgnoreCase)) continue;
            if (line.Length > 11 && line[11] != ' ') continue;
            return new HashSet<string>(line[11..].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);
        }
        return null;
    }

    public static string Build(SmtpUpstreamPlan plan, IReadOnlySet<string> offered)
    {
        var command = new StringBuilder("XCLIENT ADDR=").Append(WithFamily(plan.ClientAddress));
        if (plan.Login.Length > 0 && !plan.ProxySmtpAuth) command.Append(" LOGIN=").Append(Xtext.Encode(plan.Login));
        command.Append(" NAME=").Append(Xtext.Encode(plan.ClientHost));
        if (offered.Contains("PORT") && plan.Client is IPEndPoint client)
            command.Append(" PORT=").Append(client.Port);
        if (offered.Contains("PROTO") && plan.ClientHelo is not null)
            command.Append(" PROTO=").Append(plan.ClientUsedEhlo ? "ESMTP" : "SMTP");
        if (offered.Contains("HELO") && plan.ClientHelo is { } helo)
            command.Append(" HELO=").Append(Xtext.Encode(helo));
        if (plan.Local is IPEndPoint local)
        {
            if (offered.Contains("DESTADDR")) command.Append(" DESTADDR=").Append(WithFamily(Text(local.Address)));
            if (offered.Contains("DESTPORT")) command.Append(" DESTPORT=").Append(local.Port);
        }
        return command.Append("\r\n").ToString();
    }

    /// <summary>
    /// An IPv6 address carries Postfix's <c>IPV6:</c> prefix, as nginx writes it; xtext-encoded like every value
    /// (Postfix XCLIENT_README): IPAddress.TryParse takes any text as an IPv6 scope (<c>::1%x&#10;RSET</c>), so found
    /// by fuzzing, an address text could otherwise end the XCLIENT line.
    /// </summary>
    private static string WithFamily(string address) =>
        Xtext.Encode(IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? "IPV6:" + address : address);

    private static string Text(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();
}
