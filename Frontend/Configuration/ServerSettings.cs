using System.Net;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// Everything one listener (an nginx <c>server{}</c> block) needs, resolved and validated at start-up:
/// the server's own values, else the mail-level ones, else nginx's defaults.
/// </summary>
public sealed record ServerSettings(
    string Name,
    IPEndPoint Listen,
    ListenDirective ListenParameters,
    MailProtocol Protocol,
    string ServerName,
    AuthHttpEndpoint AuthHttp,
    TimeSpan Timeout,
    TimeSpan ProxyTimeout,
    int MaxErrors,
    bool ProxyPassErrorMessage,
    int ProxyBuffer,
    ImapSettings Imap,
    Pop3Settings Pop3,
    SmtpSettings Smtp,
    RealIpTrust SetRealIpFrom,
    UpstreamPolicy Upstreams,
    TlsSettings Tls)
{
    /// <summary><c>login_timeout</c>: the longest a connection may take from accept to logged in, whatever its reads' <see cref="Timeout"/>.</summary>
    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary><c>sasl_oauth_plaintext</c> and <c>sasl_oauth_buffer</c>: how XOAUTH2 and OAUTHBEARER are taken.</summary>
    public SaslOAuthSettings SaslOAuth { get; init; } = SaslOAuthSettings.Default;
}
