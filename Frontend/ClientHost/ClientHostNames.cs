namespace OrleansMail.Frontend.ClientHost;

/// <summary>nginx's placeholders for a client without a usable host name (src/mail/ngx_mail_auth_http_module.c and ngx_mail_smtp_handler.c).</summary>
internal static class ClientHostNames
{
    /// <summary>No resolver, NXDOMAIN, or the forward lookup does not confirm the PTR name.</summary>
    public const string Unavailable = "[UNAVAILABLE]";

    /// <summary>Other DNS failures, timeouts, unix sockets, invalid names.</summary>
    public const string TemporarilyUnavailable = "[TEMPUNAVAIL]";
}
