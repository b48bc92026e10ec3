namespace OrleansMail.Frontend.Configuration;

/// <summary>nginx's <c>proxy_protocol off | on | v2</c>: the PROXY header sent to the upstream first (src/mail/ngx_mail_proxy_module.c; nginx.org/en/docs/mail/).</summary>
public enum ProxyProtocolVersion
{
    Off = 0,
    V1 = 1,
    V2 = 2,
}
