using Microsoft.AspNetCore.Connections;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// Tells the connection handler which listener accepted the connection: set on every connection by a tiny
/// connection middleware in front of the handler, so one handler type serves any number of listeners.
/// </summary>
internal interface ISessionFactory
{
    ServerSettings Settings { get; }

    /// <summary>Makes the session of this listener's protocol for a new connection.</summary>
    MailSession CreateSession(ConnectionContext connection, SessionServices services);
}
