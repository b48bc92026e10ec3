namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// TLS to the upstream could not be set up as configured: a failed verification, a refused STARTTLS, bytes injected
/// after the STARTTLS reply. The session answers the protocol's internal error and logs the reason; it never goes on
/// in plaintext.
/// </summary>
internal sealed class UpstreamTlsException(string reason, Exception? inner = null) : Exception(reason, inner);
