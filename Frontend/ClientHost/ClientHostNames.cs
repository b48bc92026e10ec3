namespace OrleansMail.Frontend.ClientHost;

/// <summary>nginx's placeholders for a client without a usable host name (nginx-mail.md §2.2, §3.4).</summary>
internal static class ClientHostNames
{
    /// <summary>No resolver, NXDOMAIN, or the forward lookup does not confirm the PTR name.</summary>
    public const string Unavailable = "[UNAVAILABLE]";

    /// <summary>Other DNS failures, timeouts, unix sockets, invalid names.</summary>
    public const string TemporarilyUnavailable = "[TEMPUNAVAIL]";
}
