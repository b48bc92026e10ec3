using System.Net;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.ClientHost;

/// <summary>
/// Finds the SMTP client's host name as nginx does before the SMTP greeting (src/mail/ngx_mail_smtp_handler.c): a PTR lookup,
/// then a forward lookup that must contain the client's address. The result goes to the auth server as
/// <c>Client-Host</c> and to the upstream as XCLIENT <c>NAME=</c>.
/// </summary>
internal interface IClientHostResolver
{
    /// <summary>
    /// Returns the confirmed name; <see cref="ClientHostNames.Unavailable"/> without a resolver, on NXDOMAIN or a
    /// forward mismatch; <see cref="ClientHostNames.TemporarilyUnavailable"/> on other DNS errors, timeouts, non-IP
    /// clients, or a name with anything but letters, digits, '.' and '-' (CVE-2026-28753). Never throws for DNS trouble.
    /// </summary>
    Task<string> ResolveAsync(EndPoint? client, SmtpSettings settings, CancellationToken cancellationToken);
}
