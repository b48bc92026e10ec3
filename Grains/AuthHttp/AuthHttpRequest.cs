using System.Buffers;
using System.Globalization;
using System.Net;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// Builds the auth request for one <see cref="LoginAttempt"/> with every header in nginx's order
/// (<c>ngx_mail_auth_http_create_request</c>, src/mail/ngx_mail_auth_http_module.c). Host is added first by the handler.
/// Headers are added without validation so values reach the wire byte for byte (as UTF-8) like nginx's;
/// only the handler's own CR/LF check remains, and a failure there becomes an internal error.
/// </summary>
internal static class AuthHttpRequest
{
    /// <summary>Creates the GET request. Throws <see cref="FormatException"/> for an unusable URL or extra header.</summary>
    public static HttpRequestMessage Create(LoginAttempt attempt)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ParseUrl(attempt.AuthServer.Url))
        {
            // Keep-alive HTTP/1.1 instead of nginx's HTTP/1.0 connection per attempt
            // (src/mail/ngx_mail_auth_http_module.c, ngx_mail_auth_http_create_request): same headers, fewer
            // handshakes.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        var h = request.Headers;
        Add(h, AuthHttpNames.Method, AuthHttpNames.For(attempt.Method));
        // Always present, even when empty, as nginx sends them (src/mail/ngx_mail_auth_http_module.c,
        // ngx_mail_auth_http_create_request).
        Add(h, AuthHttpNames.User, AuthHttpEscaping.Escape(attempt.Login));
        Add(h, AuthHttpNames.Pass, AuthHttpEscaping.Escape(attempt.Secret));
        if (attempt.Method is AuthMethod.Apop or AuthMethod.CramMd5)
        {
            // nginx sends the salt only for the challenge methods, unescaped. nginx keeps the salt with the CRLF it
            // ends with in the greeting; accept that form too rather than fail the header.
            Add(h, AuthHttpNames.Salt, (attempt.Salt ?? string.Empty).TrimEnd('\r', '\n'));
        }

        Add(h, AuthHttpNames.Protocol, AuthHttpNames.For(attempt.Protocol));
        Add(h, AuthHttpNames.LoginAttempt, attempt.AttemptNumber.ToString(CultureInfo.InvariantCulture));
        Add(h, AuthHttpNames.ClientIp, attempt.ClientIp);
        if (attempt.ClientHost is { } clientHost)
        {
            // SMTP only. The front end validated the name (CVE-2026-28753); a control character would still be refused below.
            Add(h, AuthHttpNames.ClientHost, clientHost);
        }

        if (attempt.ProxyProtocol is { } proxy)
        {
            // After Client-Host, the raw PROXY header values, trusted peer or not (src/mail/ngx_mail_auth_http_module.c and src/core/ngx_proxy_protocol.c).
            Add(h, AuthHttpNames.ProxyProtocolAddr, proxy.Address);
            Add(h, AuthHttpNames.ProxyProtocolPort, proxy.Port.ToString(CultureInfo.InvariantCulture));
            Add(h, AuthHttpNames.ProxyProtocolServerAddr, proxy.ServerAddress);
            Add(h, AuthHttpNames.ProxyProtocolServerPort, proxy.ServerPort.ToString(CultureInfo.InvariantCulture));
        }

        if (attempt.Method == AuthMethod.None && attempt.Smtp is { } envelope)
        {
            // Raw, as nginx sends them: the lines are the client's own, already free of CR/LF (a line ends there).
            Add(h, AuthHttpNames.SmtpHelo, envelope.Helo);
            Add(h, AuthHttpNames.SmtpFrom, envelope.From);
            Add(h, AuthHttpNames.SmtpTo, envelope.To);
        }

        if (attempt.Tls is { } tls)
        {
            Add(h, AuthHttpNames.Ssl, "on");
            Add(h, AuthHttpNames.SslProtocol, tls.Protocol);
            Add(h, AuthHttpNames.SslCipher, tls.Cipher);
            // nginx sends each certificate fact only if it is non-empty.
            AddIfPresent(h, AuthHttpNames.SslVerify, tls.Verify);
            AddIfPresent(h, AuthHttpNames.SslSubject, tls.Subject);
            AddIfPresent(h, AuthHttpNames.SslIssuer, tls.Issuer);
            AddIfPresent(h, AuthHttpNames.SslSerial, tls.Serial);
            AddIfPresent(h, AuthHttpNames.SslFingerprint, tls.Fingerprint);
            if (!string.IsNullOrEmpty(tls.CertificatePem))
            {
                Add(h, AuthHttpNames.SslCert, AuthHttpEscaping.Escape(tls.CertificatePem));
            }
        }

        // auth_http_header lines last, verbatim.
        foreach (var (name, value) in attempt.AuthServer.ExtraHeaders)
        {
            Add(h, name, value);
        }

        return request;
    }

    /// <summary>
    /// The last URL parsed and its <see cref="Uri"/>. A node has one auth_http URL (rarely a few), and parsing it
    /// again for every login costs more than the rest of the request. Uri is immutable, so sharing one is safe;
    /// the pair is swapped as one object, so a reader never sees a URL with another URL's Uri.
    /// </summary>
    private static ParsedUrl? s_lastUrl;

    private sealed record ParsedUrl(string Url, Uri Uri);

    /// <summary>
    /// nginx accepts <c>auth_http</c> without a scheme and defaults the URI to "/"
    /// (src/mail/ngx_mail_auth_http_module.c, ngx_mail_auth_http).
    /// </summary>
    public static Uri ParseUrl(string url)
    {
        if (s_lastUrl is { } last && string.Equals(last.Url, url, StringComparison.Ordinal))
        {
            return last.Uri;
        }

        var uri = ParseUrlUncached(url);
        s_lastUrl = new ParsedUrl(url, uri);
        return uri;
    }

    private static Uri ParseUrlUncached(string url)
    {
        var text = url.Contains("://", StringComparison.Ordinal) ? url : "http://" + url;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException("auth_http URL is not an http URL");
        }

        return uri;
    }

    /// <summary>
    /// Controls other than TAB; DEL stays allowed: nginx sends it raw in Auth-User/Auth-Pass (its mail escaping,
    /// NGX_ESCAPE_MAIL_AUTH in src/core/ngx_string.c, changes only controls, space and %).
    /// </summary>
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    private static bool HasControl(string value) => value.AsSpan().ContainsAny(Controls);

    private static void AddIfPresent(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            Add(headers, name, value);
        }
    }

    private static void Add(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string value)
    {
        // TryAddWithoutValidation puts CR/LF on the wire as is (verified on .NET 10): a value carrying them would
        // inject headers into the auth request. Escaped values never contain controls; refuse any other that does.
        if (HasControl(value))
        {
            throw new FormatException($"auth header '{name}' contains control characters");
        }

        if (!headers.TryAddWithoutValidation(name, value))
        {
            throw new FormatException($"cannot send auth header '{name}'");
        }
    }
}
