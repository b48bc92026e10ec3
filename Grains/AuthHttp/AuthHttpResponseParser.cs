using System.Net.Http.Headers;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// Turns reply headers into an <see cref="AuthHttpResponse"/> the way <c>ngx_mail_auth_http_process_headers</c>
/// does (src/mail/ngx_mail_auth_http_module.c): names case-insensitive, unknown headers ignored, later values overwrite earlier ones,
/// except that an error status is sticky.
/// </summary>
internal static class AuthHttpResponseParser
{
    /// <summary>Parses headers in the order received (per name; only per-name order matters to the rules).</summary>
    public static AuthHttpResponse Parse(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var fields = new Fields();
        foreach (var (name, value) in headers)
        {
            fields.Add(name, value);
        }

        return fields.ToResponse();
    }

    /// <summary>
    /// Reads the non-validated response headers, where multi-line values keep their commas. Walks the two header
    /// collections directly: one login's reply costs the <see cref="AuthHttpResponse"/> and the values it keeps.
    /// </summary>
    public static AuthHttpResponse Parse(HttpResponseMessage response)
    {
        var fields = new Fields();
        AddAll(ref fields, response.Headers.NonValidated);
        AddAll(ref fields, response.Content.Headers.NonValidated);
        return fields.ToResponse();

        static void AddAll(ref Fields fields, HttpHeadersNonValidated headers)
        {
            foreach (var (name, values) in headers)
            {
                foreach (var value in values)
                {
                    fields.Add(name, value);
                }
            }
        }
    }

    /// <summary>Unsigned decimal without sign or spaces, like <c>ngx_atoi</c>; overflow is invalid.</summary>
    public static bool TryParseDigits(string value, out int result)
    {
        result = 0;
        if (value.Length == 0 || value.Length > 9)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            result = (result * 10) + (c - '0');
        }

        return true;
    }

    private static bool Is(string name, string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>The reply as read so far; mutable, so a header costs no copy of the whole reply.</summary>
    private struct Fields
    {
        private string? _error;
        private bool _wait;
        private bool _ok;
        private string? _server;
        private string? _port;
        private string? _user;
        private string? _pass;
        private int? _waitSeconds;
        private string? _errorCode;
        private int? _cacheTtlSeconds;
        private string? _saslError;

        public void Add(string name, string rawValue)
        {
            // The handler already trims; trim again for callers that pass raw text (nginx strips spaces both sides).
            var value = rawValue.Trim(' ', '\t');
            if (Is(name, AuthHttpNames.Status))
            {
                switch (value)
                {
                    case "OK":
                        _ok = true;
                        break;
                    case "WAIT":
                        _wait = true;
                        break;
                    default:
                        // Anything else, even "ok" or empty, is the error text; the last one wins.
                        _error = value;
                        break;
                }
            }
            else if (Is(name, AuthHttpNames.Server))
            {
                _server = value;
            }
            else if (Is(name, AuthHttpNames.Port))
            {
                _port = value;
            }
            else if (Is(name, AuthHttpNames.User))
            {
                _user = value;
            }
            else if (Is(name, AuthHttpNames.Pass))
            {
                _pass = value;
            }
            else if (Is(name, AuthHttpNames.Wait))
            {
                // ngx_atoi: digits only; invalid or negative values leave the earlier value alone.
                if (TryParseDigits(value, out var seconds))
                {
                    _waitSeconds = seconds;
                }
            }
            else if (Is(name, AuthHttpNames.ErrorCode))
            {
                _errorCode = value;
            }
            else if (Is(name, AuthHttpNames.ErrorSasl))
            {
                _saslError = value;
            }
            else if (Is(name, AuthHttpNames.CacheTtl))
            {
                if (TryParseDigits(value, out var seconds))
                {
                    _cacheTtlSeconds = seconds;
                }
            }
        }

        public readonly AuthHttpResponse ToResponse() => new()
        {
            Error = _error,
            Wait = _wait,
            Ok = _ok,
            Server = _server,
            Port = _port,
            User = _user,
            Pass = _pass,
            WaitSeconds = _waitSeconds,
            ErrorCode = _errorCode,
            CacheTtlSeconds = _cacheTtlSeconds,
            SaslError = _saslError,
        };
    }
}
