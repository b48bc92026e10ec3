using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Auth;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Frontend.Imap;

/// <summary>Kestrel's entry point for IMAP listeners: one <see cref="ImapSession"/> per accepted connection.</summary>
internal sealed class ImapConnectionHandler(
    LoginDecider decider,
    UpstreamConnector connector,
    RelayIdleMonitor relayMonitor,
    TimeProvider time,
    ILogger<ImapSession> logger) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        var listener = connection.Features.Get<IListenerFeature>() ?? throw new InvalidOperationException("listener feature missing");
        var session = new ImapSession(connection, listener.Settings, listener.ImapCapabilities, decider, connector, relayMonitor, time, logger);
        return session.RunAsync();
    }
}
