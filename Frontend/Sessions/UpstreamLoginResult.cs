namespace OrleansMail.Frontend.Sessions;

/// <summary>The result of a protocol's login dialogue with the upstream server.</summary>
/// <param name="Succeeded">The upstream accepted the login.</param>
/// <param name="Reply">
/// On success, what the client is sent (the upstream's final response, or a reply the proxy makes itself, such as
/// SMTP's <c>235 2.0.0 OK</c>). On failure, the upstream's offending line with its CRLF, shown to the client only
/// with <c>proxy_pass_error_message on</c>; empty when there was no line.
/// </param>
internal sealed record UpstreamLoginResult(bool Succeeded, string Reply)
{
    /// <summary>A failed dialogue; the line is kept whole, CRLF included, because it may go to the client as is.</summary>
    public static UpstreamLoginResult Failed(string line) => new(false, line.Length > 0 ? line + "\r\n" : "");
}
