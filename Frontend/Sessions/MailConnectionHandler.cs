using Microsoft.AspNetCore.Connections;
using OrleansMail.Frontend.Hosting;

namespace OrleansMail.Frontend.Sessions;

/// <summary>
/// Kestrel's entry point for every mail listener: the listener feature says which server{} accepted the connection
/// and how to make its protocol's session; the session runs until the connection ends.
/// </summary>
internal sealed class MailConnectionHandler(SessionServices services) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        var listener = connection.Features.Get<ISessionFactory>() ?? throw new InvalidOperationException("listener feature missing");
        return listener.CreateSession(connection, services).RunAsync();
    }
}
