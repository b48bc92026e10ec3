using System.Net;

namespace OrleansMail.Frontend.Smtp;

/// <summary>Everything the upstream login dialogue needs from the session and the listener (src/mail/ngx_mail_proxy_module.c).</summary>
/// <param name="ServerName">server_name: the proxy's own EHLO/HELO name.</param>
/// <param name="ClientHelo">The client's HELO/EHLO argument, or null when it sent none.</param>
/// <param name="ClientUsedEhlo">The client said EHLO (ESMTP) rather than HELO.</param>
/// <param name="Xclient">xclient: tell the upstream who the client is.</param>
/// <param name="ProxySmtpAuth">proxy_smtp_auth: log in upstream with AUTH PLAIN.</param>
/// <param name="ClientAddress">The client's address text (Client-IP's form).</param>
/// <param name="Client">The client's end point, for XCLIENT PORT.</param>
/// <param name="Local">The proxy's end of the client connection, for XCLIENT DESTADDR/DESTPORT.</param>
/// <param name="ClientHost">The client's host name or nginx's placeholder, for XCLIENT NAME.</param>
/// <param name="Login">The login for XCLIENT LOGIN and AUTH PLAIN (Auth-User when the auth server sent one).</param>
/// <param name="Password">The password for AUTH PLAIN.</param>
/// <param name="MailFrom">Under smtp_auth none: the client's MAIL line to replay; null for a SASL login.</param>
/// <param name="RcptTo">Under smtp_auth none: the client's RCPT line to replay.</param>
/// <param name="Bearer">
/// The client's XOAUTH2/OAUTHBEARER login, or null: with proxy_smtp_auth it replaces AUTH PLAIN when the upstream's
/// EHLO offers the mechanism (proxy_oauth_login token).
/// </param>
internal sealed record SmtpUpstreamPlan(
    string ServerName,
    string? ClientHelo,
    bool ClientUsedEhlo,
    bool Xclient,
    bool ProxySmtpAuth,
    string ClientAddress,
    EndPoint? Client,
    EndPoint? Local,
    string ClientHost,
    string Login,
    string Password,
    string? MailFrom,
    string? RcptTo,
    Upstream.UpstreamBearerLogin? Bearer = null)
{
    /// <summary>Never print the password.</summary>
    public override string ToString() => $"SmtpUpstreamPlan {{ Login = {Login}, ClientAddress = {ClientAddress} }}";
}
