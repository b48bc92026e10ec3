namespace OrleansMail.Frontend.Sessions;

/// <summary>The result of a protocol's login dialogue with the upstream server.</summary>
/// <param name="Succeeded">The upstream accepted the login.</param>
/// <param name="Reply">
/// On success, what the client is sent (the upstream's final response, or a reply the proxy makes itself, such as
/// SMTP's <c>235 2.0.0 OK</c>). On failure, the upstream's offending line with its CRLF, shown to the client only
/// with <c>proxy_pass_error_message on</c>; empty when there was no line.
/// </param>
/// <param name="Impossible">
/// Set when the proxy could not even try to log in (a bearer login with no way in upstream): why, for the error log.
/// </param>
internal sealed record UpstreamLoginResult(bool Succeeded, string Reply, string? Impossible = null)
{
    /// <summary>No login was attempted: <paramref name="reason"/> says why (logged; the client gets the internal error).</summary>
    public static UpstreamLoginResult NotAttempted(string reason) => new(false, "", reason);

    /// <summary>A failed dialogue; the line is kept whole, CRLF included, because it may go to the client as is.</summary>
    public static UpstreamLoginResult Failed(string line) => new(false, line.Length > 0 ? line + "\r\n" : "");
}
