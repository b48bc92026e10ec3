using System.Net;
using System.Text;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// An auth_http reply's header lines (<c>Name: value</c>, one per line, as an auth server sends them) through
/// <see cref="AuthHttpResponseParser"/>, both as name/value pairs and as the <see cref="HttpResponseMessage"/> the
/// grain's HttpClient hands it. Both readings must agree; an error status is sticky
/// (ngx_mail_auth_http_process_headers); numbers are what <c>ngx_atoi</c> reads; an Auth-Error-SASL value that
/// <see cref="AuthHttpSaslError"/> lets through to a client's challenge line is base64 a client can decode, without CR or LF.
/// </summary>
internal sealed class AuthHttpResponseTarget : IFuzzTarget
{
    public string Name => "auth-http";

    public void Run(ReadOnlyMemory<byte> input)
    {
        var headers = Headers(Encoding.Latin1.GetString(input.Span));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var parsed = AuthHttpResponseParser.Parse(headers);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The response object and the trimmed values it keeps.
        Invariant.AllocationBounded(allocated, input.Length, 1024, 4, "AuthHttpResponseParser.Parse");

        using var message = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        var accepted = new List<KeyValuePair<string, string>>();
        foreach (var header in headers)
        {
            if (message.Headers.TryAddWithoutValidation(header.Key, header.Value) || message.Content.Headers.TryAddWithoutValidation(header.Key, header.Value))
                accepted.Add(header);
        }
        Invariant.Equal(AuthHttpResponseParser.Parse(accepted), AuthHttpResponseParser.Parse(message), "the HttpResponseMessage reading differs from the header list's");

        var statuses = headers.Where(h => h.Key.Equals("Auth-Status", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim(' ', '\t')).ToList();
        Invariant.Equal(statuses.Any(s => s is not ("OK" or "WAIT")), parsed.Error is not null, "an error Auth-Status is sticky, OK and WAIT are not errors");
        Invariant.Equal(statuses.Contains("OK"), parsed.Ok, "Auth-Status: OK");

        foreach (var value in headers.Select(h => h.Value.Trim(' ', '\t')))
        {
            if (AuthHttpResponseParser.TryParseDigits(value, out var number))
                Invariant.That(number >= 0 && value.All(char.IsAsciiDigit) && number == int.Parse(value, System.Globalization.CultureInfo.InvariantCulture), $"TryParseDigits read {value} as {number}");
        }

        if (AuthHttpSaslError.IsValid(parsed.SaslError))
        {
            // Sent to the client as "+ value" / "334 value" (RFC 7628 §3.2.2): one line of base64.
            var value = parsed.SaslError!;
            Invariant.That(value.AsSpan().IndexOfAny('\r', '\n', ' ') < 0, "a valid Auth-Error-SASL holds CR, LF or a space");
            Invariant.That(Convert.TryFromBase64String(value, new byte[value.Length], out _), "a valid Auth-Error-SASL is not base64");
        }
    }

    /// <summary>Header lines as HTTP/1.1 carries them (RFC 9112 §5): the name up to the colon, the value after it.</summary>
    private static List<KeyValuePair<string, string>> Headers(string text)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            headers.Add(new(line[..colon], line[(colon + 1)..].TrimEnd('\r')));
        }
        return headers;
    }
}
