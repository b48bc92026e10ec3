namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>The PROXY header this connection began with; set by <see cref="ProxyProtocolMiddleware"/>.</summary>
internal sealed record ProxyProtocolFeature(ProxyHeader Header);
