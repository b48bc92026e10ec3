using System.Net;
using System.Text;
using OrleansMail.Frontend.Smtp;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// <see cref="Xtext"/> and <see cref="XclientCommand"/> with client-controlled values: the input's NUL-separated
/// fields are the login, the HELO name, the client's host name and its address text (as a PROXY v1 header carries
/// it). The XCLIENT line must be one line (CRLF only at its end), every attribute <c>NAME=value</c> with a value
/// free of spaces, each attribute once; LOGIN, NAME and HELO must decode (RFC 1891 §5) to exactly what the client
/// sent, and so must <see cref="Xtext.Encode"/> of each field on its own.
/// </summary>
internal sealed class XclientTarget : IFuzzTarget
{
    private static readonly IReadOnlySet<string> Offered =
        new HashSet<string>(["ADDR", "LOGIN", "NAME", "PORT", "PROTO", "HELO", "DESTADDR", "DESTPORT"], StringComparer.OrdinalIgnoreCase);

    public string Name => "xclient";

    public void Run(ReadOnlyMemory<byte> input)
    {
        var fields = Encoding.UTF8.GetString(input.Span).Split('\0');
        var login = fields[0];
        var helo = fields.Length > 1 ? fields[1] : null;
        var host = fields.Length > 2 ? fields[2] : "[UNAVAILABLE]";
        var address = fields.Length > 3 ? fields[3] : "192.0.2.1";

        foreach (var field in fields)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var encoded = Xtext.Encode(field);
            // The UTF-8 bytes, the builder and the string: up to nine characters per character (measured worst: 1 KB + 44
            // bytes a character).
            Invariant.AllocationBounded(GC.GetAllocatedBytesForCurrentThread() - before, field.Length, 1024, 64, "Xtext.Encode");
            Invariant.Equal(field, XtextDecoder.Decode(encoded), "xtext does not round-trip");
        }

        var plan = new SmtpUpstreamPlan("proxy.example.org", helo, ClientUsedEhlo: true, Xclient: true, ProxySmtpAuth: false,
            address, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 50123), new IPEndPoint(IPAddress.Parse("198.51.100.7"), 25),
            host, login, "secret", null, null);
        var line = XclientCommand.Build(plan, Offered);

        Invariant.That(line.EndsWith("\r\n", StringComparison.Ordinal), "XCLIENT does not end in CRLF");
        var body = line[..^2];
        Invariant.That(body.AsSpan().IndexOfAny('\r', '\n', '\0') < 0, $"XCLIENT holds a CR, LF or NUL before its end: {body}");
        var words = body.Split(' ');
        Invariant.Equal("XCLIENT", words[0], "command");
        var seen = new Dictionary<string, string>();
        foreach (var word in words.Skip(1))
        {
            var equals = word.IndexOf('=');
            Invariant.That(equals > 0, $"XCLIENT attribute without a value: {word}");
            var name = word[..equals];
            Invariant.That(Offered.Contains(name) && seen.TryAdd(name, word[(equals + 1)..]), $"XCLIENT attribute {name} unknown or repeated: {body}");
        }
        if (login.Length > 0) Invariant.Equal(login, seen.TryGetValue("LOGIN", out var l) ? XtextDecoder.Decode(l) : null, "LOGIN");
        Invariant.Equal(host, seen.TryGetValue("NAME", out var n) ? XtextDecoder.Decode(n) : null, "NAME");
        if (helo is not null) Invariant.Equal(helo, seen.TryGetValue("HELO", out var h) ? XtextDecoder.Decode(h) : null, "HELO");
    }
}
