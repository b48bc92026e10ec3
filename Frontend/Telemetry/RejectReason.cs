namespace OrleansMail.Frontend.Telemetry;

/// <summary>The <c>reason</c> label of <c>orleansmail.connections.rejected</c>: why a connection was closed before its session.</summary>
internal static class RejectReason
{
    /// <summary>All <c>WorkerConnections</c> in use.</summary>
    public const string WorkerConnections = "worker_connections";

    /// <summary>The client's prefix holds <c>PreloginConnectionsPerAddress</c> connections that have not logged in.</summary>
    public const string PreloginPerAddress = "prelogin_per_address";

    /// <summary>The client's TLS handshake failed (implicit TLS or STARTTLS/STLS).</summary>
    public const string TlsHandshake = "tls_handshake";

    /// <summary><c>listen … proxy_protocol</c>: no valid PROXY header within <c>timeout</c>.</summary>
    public const string ProxyHeader = "proxy_header";
}
