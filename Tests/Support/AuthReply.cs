namespace OrleansMail.Tests.Support;

/// <summary>
/// What <see cref="TestAuthServer"/> answers to one request: any status code (nginx ignores it), headers in order
/// (duplicates allowed, so "last Auth-Status wins" can be tested), and an optional delay before answering.
/// </summary>
/// <param name="Headers">Response headers, written in this order.</param>
/// <param name="StatusCode">HTTP status code; the proxy must ignore it.</param>
/// <param name="Delay">How long to wait before sending the headers (for auth_http_timeout tests).</param>
public sealed record AuthReply(IReadOnlyList<KeyValuePair<string, string>> Headers, int StatusCode = 200, TimeSpan Delay = default)
{
    /// <summary>A reply with the given headers, in order.</summary>
    public static AuthReply With(params (string Name, string Value)[] headers) =>
        new(headers.Select(h => KeyValuePair.Create(h.Name, h.Value)).ToList());

    /// <summary><c>Auth-Status: OK</c> with the backend, plus Auth-User/Auth-Pass when given.</summary>
    public static AuthReply Ok(string server, int port, string? user = null, string? pass = null)
    {
        var headers = new List<(string, string)> { ("Auth-Status", "OK"), ("Auth-Server", server), ("Auth-Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        if (user is not null)
        {
            headers.Add(("Auth-User", user));
        }

        if (pass is not null)
        {
            headers.Add(("Auth-Pass", pass));
        }

        return With([.. headers]);
    }

    /// <summary>An error status (the message shown to the client) with optional Auth-Wait seconds and Auth-Error-Code.</summary>
    public static AuthReply Fail(string message, int? waitSeconds = null, string? errorCode = null)
    {
        var headers = new List<(string, string)> { ("Auth-Status", message) };
        if (waitSeconds is { } w)
        {
            headers.Add(("Auth-Wait", w.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (errorCode is not null)
        {
            headers.Add(("Auth-Error-Code", errorCode));
        }

        return With([.. headers]);
    }

    /// <summary>An RFC 7628 §3.2.2 error (the form Google and Dovecot send for a bad token).</summary>
    public const string InvalidTokenJson = """{"status":"invalid_token","schemes":"bearer","scope":"mail"}""";

    /// <summary>
    /// A refused bearer login: the error status, <c>Auth-Error-SASL</c> with <paramref name="json"/> in base64 (as freenginx 1.27.1
    /// and Angie read it) and optional Auth-Wait seconds.
    /// </summary>
    public static AuthReply FailSasl(string message, string json, int? waitSeconds = null)
    {
        var fail = Fail(message, waitSeconds);
        var error = KeyValuePair.Create("Auth-Error-SASL", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)));
        return fail with { Headers = [.. fail.Headers, error] };
    }

    /// <summary><c>Auth-Status: WAIT</c>, with Auth-Wait when given.</summary>
    public static AuthReply Wait(int? waitSeconds = null) =>
        waitSeconds is { } w ? With(("Auth-Status", "WAIT"), ("Auth-Wait", w.ToString(System.Globalization.CultureInfo.InvariantCulture))) : With(("Auth-Status", "WAIT"));

    /// <summary>The same reply with another status code.</summary>
    public AuthReply WithStatusCode(int statusCode) => this with { StatusCode = statusCode };

    /// <summary>The same reply, sent after <paramref name="delay"/>.</summary>
    public AuthReply After(TimeSpan delay) => this with { Delay = delay };
}
