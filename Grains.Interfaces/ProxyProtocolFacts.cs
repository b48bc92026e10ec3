namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// The PROXY protocol header a client connection started with (<c>listen … proxy_protocol</c>), as received,
/// whether or not the peer was trusted by <c>set_real_ip_from</c>: nginx always forwards these values to the auth
/// server as <c>Proxy-Protocol-Addr</c>, <c>-Port</c>, <c>-Server-Addr</c>, <c>-Server-Port</c> (src/mail/ngx_mail_auth_http_module.c and src/core/ngx_proxy_protocol.c).
/// </summary>
/// <param name="Address">The source (client) address text.</param>
/// <param name="Port">The source port.</param>
/// <param name="ServerAddress">The destination (server) address text.</param>
/// <param name="ServerPort">The destination port.</param>
[GenerateSerializer, Immutable, Alias("mail.ProxyProtocolFacts")]
public sealed record ProxyProtocolFacts(
    [property: Id(0)] string Address,
    [property: Id(1)] int Port,
    [property: Id(2)] string ServerAddress,
    [property: Id(3)] int ServerPort);
