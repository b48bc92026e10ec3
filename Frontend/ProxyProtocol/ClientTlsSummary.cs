namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>What a PROXY v2 header tells the upstream about the client's TLS (the PP2_TYPE_SSL, ALPN and AUTHORITY TLVs).</summary>
/// <param name="Version">e.g. <c>TLSv1.3</c>.</param>
/// <param name="Cipher">The cipher suite's name.</param>
/// <param name="ServerName">The client's SNI, if any.</param>
/// <param name="Alpn">The negotiated ALPN protocol, if any.</param>
internal sealed record ClientTlsSummary(string Version, string Cipher, string? ServerName, string? Alpn)
{
    /// <summary>
    /// The client's TLS as the TLS layer left it: the connection's transport is then a <see cref="Tls.TlsTransport"/>
    /// over the negotiated SslStream (implicit TLS or after STARTTLS); null for plaintext.
    /// </summary>
    public static ClientTlsSummary? Of(Microsoft.AspNetCore.Connections.ConnectionContext connection)
    {
        if (connection.Transport is not Tls.TlsTransport { Stream: var ssl }) return null;
        var version = ssl.SslProtocol switch
        {
            System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
            System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
            var other => other.ToString(),
        };
        var alpn = ssl.NegotiatedApplicationProtocol.Protocol;
        return new ClientTlsSummary(version, ssl.NegotiatedCipherSuite.ToString(), ssl.TargetHostName is { Length: > 0 } h ? h : null,
            alpn.IsEmpty ? null : System.Text.Encoding.ASCII.GetString(alpn.Span));
    }
}
