using System.Net.Http.Headers;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// Turns reply headers into an <see cref="AuthHttpResponse"/> the way <c>ngx_mail_auth_http_process_headers</c>
/// does (nginx-mail.md §2.3): names case-insensitive, unknown headers ignored, later values overwrite earlier ones,
/// except that an error status is sticky.
/// </summary>
internal static class AuthHttpResponseParser
{
    /// <summary>Parses headers in the order received (per name; only per-name order matters to the rules).</summary>
    public static AuthHttpResponse Parse(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var r = new AuthHttpResponse();
        foreach (var (name, rawValue) in headers)
        {
            // The handler already trims; trim again for callers that pass raw text (nginx strips spaces both sides).
            var value = rawValue.Trim(' ', '\t');
            if (Is(name, AuthHttpNames.Status))
            {
                r = value switch
                {
                    "OK" => r with { Ok = true },
                    "WAIT" => r with { Wait = true },
                    // Anything else, even "ok" or empty, is the error text; the last one wins.
                    _ => r with { Error = value },
                };
            }
            else if (Is(name, AuthHttpNames.Server))
            {
                r = r with { Server = value };
            }
            else if (Is(name, AuthHttpNames.Port))
            {
                r = r with { Port = value };
            }
            else if (Is(name, AuthHttpNames.User))
            {
                r = r with { User = value };
            }
            else if (Is(name, AuthHttpNames.Pass))
            {
                r = r with { Pass = value };
            }
            else if (Is(name, AuthHttpNames.Wait))
            {
                // ngx_atoi: digits only; invalid or negative values leave the earlier value alone.
                if (TryParseDigits(value, out var seconds))
                {
                    r = r with { WaitSeconds = seconds };
                }
            }
            else if (Is(name, AuthHttpNames.ErrorCode))
            {
                r = r with { ErrorCode = value };
            }
        }

        return r;
    }

    /// <summary>Flattens the non-validated response headers so multi-line values keep their commas.</summary>
    public static AuthHttpResponse Parse(HttpResponseMessage response)
    {
        return Parse(Flatten(response.Headers.NonValidated).Concat(Flatten(response.Content.Headers.NonValidated)));

        static IEnumerable<KeyValuePair<string, string>> Flatten(HttpHeadersNonValidated headers)
        {
            foreach (var (name, values) in headers)
            {
                foreach (var value in values)
                {
                    yield return new(name, value);
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
}
