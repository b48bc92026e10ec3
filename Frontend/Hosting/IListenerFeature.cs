using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// Tells a connection handler which listener accepted the connection: set on every connection by a tiny
/// connection middleware in front of the handler, so one handler type serves any number of listeners.
/// </summary>
internal interface IListenerFeature
{
    ServerSettings Settings { get; }

    /// <summary>The IMAP CAPABILITY line of this listener, built once.</summary>
    string ImapCapabilities { get; }
}

internal sealed record ListenerFeature(ServerSettings Settings, string ImapCapabilities) : IListenerFeature;
