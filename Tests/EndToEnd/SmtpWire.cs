using System.Text;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>Small helpers for raw SMTP transcripts against the proxy under test.</summary>
internal static class SmtpWire
{
    public const string Greeting = "220 proxy.test ESMTP ready";

    /// <summary>Connects to <paramref name="port"/> and checks nginx's greeting (src/mail/ngx_mail_smtp_handler.c).</summary>
    public static async Task<LineClient> OpenAsync(int port)
    {
        var client = await LineClient.ConnectAsync(port);
        Assert.Equal(Greeting, await client.ReadLineAsync());
        return client;
    }

    public static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A unique message for Postfix to deliver, with a body that a byte-for-byte comparison can find.</summary>
    public static (string Id, string Body) NewMessage()
    {
        var id = Guid.NewGuid().ToString("N");
        var body = $"Hello {id}\r\nSecond line with trailing spaces   \r\n..a line starting with a dot\r\nlast line\r\n";
        return (id, body);
    }

    /// <summary>Sends DATA, the message and QUIT on an authenticated (relaying) connection and checks Postfix's replies.</summary>
    public static async Task SendMessageAsync(LineClient c, string from, string to, string id, string body, bool mailAndRcptDone = false)
    {
        if (!mailAndRcptDone)
        {
            await c.SendAsync($"MAIL FROM:<{from}>\r\n");
            Assert.StartsWith("250 ", await c.ReadLineAsync());
            await c.SendAsync($"RCPT TO:<{to}>\r\n");
            Assert.StartsWith("250 ", await c.ReadLineAsync());
        }
        await c.SendAsync("DATA\r\n");
        Assert.StartsWith("354 ", await c.ReadLineAsync());
        // Dot-stuffed as RFC 5321 §4.5.2 wants: Postfix un-stuffs it again.
        var stuffed = body.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        await c.SendAsync($"Subject: {id}\r\nMessage-ID: <{id}@test>\r\n\r\n{stuffed}.\r\n");
        Assert.StartsWith("250 ", await c.ReadLineAsync(TimeSpan.FromSeconds(30)));
        await c.SendAsync("QUIT\r\n");
        Assert.StartsWith("221 ", await c.ReadLineAsync());
    }

    /// <summary>The body of a delivered message (after the blank line ending the headers).</summary>
    public static string BodyOf(string message) => message[(message.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];

    /// <summary>Postfix delivers into the Maildir with LF line ends.</summary>
    public static string WithLf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>
    /// An smtp_auth none request (src/mail/ngx_mail_auth_http_module.c): method none, empty Auth-User and Auth-Pass (CVE-2025-53859:
    /// nothing left from an earlier AUTH), and the client's HELO, MAIL and RCPT lines as sent.
    /// </summary>
    public static void AssertUnauthenticated(RecordedAuthRequest request, string helo, string from, string to)
    {
        Assert.Equal("none", request["Auth-Method"]);
        Assert.Equal("", request["Auth-User"]);
        Assert.Equal("", request["Auth-Pass"]);
        Assert.False(request.Has("Auth-Salt"));
        Assert.Equal("smtp", request["Auth-Protocol"]);
        Assert.Equal("[UNAVAILABLE]", request["Client-Host"]);
        Assert.Equal(helo, request["Auth-SMTP-Helo"]);
        Assert.Equal(from, request["Auth-SMTP-From"]);
        Assert.Equal(to, request["Auth-SMTP-To"]);
    }
}
