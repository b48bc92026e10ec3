using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>
/// The client's TLS as the connection's standard features describe it (whatever step terminated TLS sets
/// <see cref="ITlsHandshakeFeature"/> and <see cref="ITlsApplicationProtocolFeature"/>); null for plaintext.
/// </summary>
internal static class ClientTls
{
    public static ClientTlsSummary? Of(ConnectionContext connection)
    {
        if (connection.Features.Get<ITlsHandshakeFeature>() is not { } tls) return null;
        var version = tls.Protocol switch
        {
            System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
            System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
            var other => other.ToString(),
        };
        var alpn = connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>()?.ApplicationProtocol;
        return new ClientTlsSummary(version, tls.NegotiatedCipherSuite?.ToString() ?? "", tls.HostName is { Length: > 0 } h ? h : null,
            alpn is { IsEmpty: false } a ? System.Text.Encoding.ASCII.GetString(a.Span) : null);
    }
}
