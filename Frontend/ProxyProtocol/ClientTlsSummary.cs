namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>What a PROXY v2 header tells the upstream about the client's TLS (the PP2_TYPE_SSL, ALPN and AUTHORITY TLVs).</summary>
/// <param name="Version">e.g. <c>TLSv1.3</c>.</param>
/// <param name="Cipher">The cipher suite's name.</param>
/// <param name="ServerName">The client's SNI, if any.</param>
/// <param name="Alpn">The negotiated ALPN protocol, if any.</param>
internal sealed record ClientTlsSummary(string Version, string Cipher, string? ServerName, string? Alpn);
