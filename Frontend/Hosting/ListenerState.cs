using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Frontend.Tls;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// One listener's configuration as a connection sees it: the settings, the protocol's listener feature (CAPABILITY,
/// CAPA and EHLO lines built once), the TLS front door with its certificates loaded, and the PROXY protocol step.
/// Immutable: a reload builds a new one and swaps it in (<see cref="MailListener.Update"/>); a connection takes the
/// state current when it is accepted and keeps it to the end, so an established session never sees a reload.
/// </summary>
internal sealed class ListenerState
{
    private ListenerState(ServerSettings settings, ListenerLabels labels, ISessionFactory feature, ClientTls? tls, ProxyProtocolMiddleware? proxyProtocol)
    {
        Settings = settings;
        Labels = labels;
        Feature = feature;
        Tls = tls;
        ProxyProtocol = proxyProtocol;
    }

    public ServerSettings Settings { get; }

    /// <summary>The protocol and listener labels of this listener's measurements, also set on every connection it accepts.</summary>
    public ListenerLabels Labels { get; }

    public ISessionFactory Feature { get; }

    public ClientTls? Tls { get; }

    /// <summary><c>listen … proxy_protocol</c>: the header is read first on every connection (src/mail/ngx_mail_handler.c, ngx_mail_proxy_protocol_handler).</summary>
    public ProxyProtocolMiddleware? ProxyProtocol { get; }

    /// <summary>
    /// Builds the state and loads the certificates; a certificate that cannot be loaded throws, refusing the
    /// configuration, and so do TLS directives that disagree with another listener's of <paramref name="contexts"/>.
    /// </summary>
    public static ListenerState Build(ServerSettings settings, SharedTlsContexts contexts, ILoggerFactory loggers, TimeProvider time, FrontendMetrics metrics)
    {
        var labels = new ListenerLabels(settings);
        return new(
            settings,
            labels,
            SessionFactories.For(settings),
            settings.Tls.Enabled ? new ClientTls(settings, contexts, loggers, time) : null,
            settings.ListenParameters.ProxyProtocol
                ? new ProxyProtocolMiddleware(settings.SetRealIpFrom, settings.Timeout, metrics, labels, loggers.CreateLogger<ProxyProtocolMiddleware>())
                : null);
    }
}
