namespace OrleansMail.Frontend.Configuration;

/// <summary>How to reach one upstream: what is sent before the login dialogue, and how the link is secured.</summary>
/// <param name="ProxyProtocol"><c>ProxyProtocol off | on | v2</c> (nginx's proxy_protocol).</param>
/// <param name="ImapId">
/// <c>ProxyImapId</c> (beyond nginx): after the greeting, send IMAP <c>ID</c> (RFC 2971) with
/// <c>x-originating-ip</c>/<c>-port</c>, <c>x-connected-ip</c>/<c>-port</c> and <c>x-session-id</c>, which Dovecot
/// takes as the client's address from a host in its <c>login_trusted_networks</c>.
/// </param>
/// <param name="Tls">TLS to the upstream.</param>
/// <param name="OAuthLogin"><c>ProxyOAuthLogin token | password</c>: how a bearer-token login logs in upstream.</param>
public sealed record UpstreamSettings(ProxyProtocolVersion ProxyProtocol, bool ImapId, UpstreamTlsSettings Tls, UpstreamOAuthLogin OAuthLogin = UpstreamOAuthLogin.Token)
{
    public static readonly UpstreamSettings Default = new(ProxyProtocolVersion.Off, false, UpstreamTlsSettings.Plain);
}
