namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// The headers of an auth server reply that nginx acts on (src/mail/ngx_mail_auth_http_module.c), as parsed, before any decision.
/// Values that nginx only validates at decision time (server, port) are kept raw so the decision can follow
/// nginx's order: an error status wins over a bad port.
/// </summary>
internal sealed record AuthHttpResponse
{
    /// <summary>The last <c>Auth-Status</c> that was neither OK nor WAIT; a later OK does not clear it.</summary>
    public string? Error { get; init; }

    /// <summary>Some <c>Auth-Status</c> said exactly WAIT.</summary>
    public bool Wait { get; init; }

    /// <summary>Some <c>Auth-Status</c> said exactly OK.</summary>
    public bool Ok { get; init; }

    /// <summary><c>Auth-Server</c>, raw.</summary>
    public string? Server { get; init; }

    /// <summary><c>Auth-Port</c>, raw.</summary>
    public string? Port { get; init; }

    /// <summary><c>Auth-User</c>: raw, not percent-decoded (nginx does not unescape it either).</summary>
    public string? User { get; init; }

    /// <summary><c>Auth-Pass</c>: raw, not percent-decoded.</summary>
    public string? Pass { get; init; }

    /// <summary><c>Auth-Wait</c> seconds; null when absent, invalid or negative (nginx ignores those).</summary>
    public int? WaitSeconds { get; init; }

    /// <summary><c>Auth-Error-Code</c> for SMTP, e.g. <c>451 4.3.0</c>.</summary>
    public string? ErrorCode { get; init; }

    /// <summary><c>Auth-Cache-TTL</c> seconds (our extension); null when absent or invalid.</summary>
    public int? CacheTtlSeconds { get; init; }

    /// <summary><c>Auth-Error-SASL</c>, raw: checked by <see cref="AuthHttpSaslError"/> before anything uses it.</summary>
    public string? SaslError { get; init; }

    /// <summary>Never print the password.</summary>
    public override string ToString() =>
        $"AuthHttpResponse {{ Error = {Error}, Wait = {Wait}, Ok = {Ok}, Server = {Server}, Port = {Port}, User = {User}, WaitSeconds = {WaitSeconds}, ErrorCode = {ErrorCode}, CacheTtlSeconds = {CacheTtlSeconds}, SaslError = {SaslError} }}";
}
