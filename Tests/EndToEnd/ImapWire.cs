using System.Diagnostics;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>Small helpers for raw IMAP transcripts against the proxy under test.</summary>
internal static class ImapWire
{
    /// <summary>Connects to <paramref name="port"/> and checks nginx's greeting (src/mail/ngx_mail_imap_handler.c).</summary>
    public static async Task<LineClient> OpenAsync(int port)
    {
        var client = await LineClient.ConnectAsync(port);
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
        return client;
    }

    /// <summary>The next <paramref name="count"/> lines; fails if the server closes first.</summary>
    public static async Task<List<string>> ReadLinesAsync(this LineClient client, int count, TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        for (var i = 0; i < count; i++)
            lines.Add(await client.ReadLineAsync(timeout) ?? throw new IOException($"closed after: {string.Join(" | ", lines)}"));
        return lines;
    }

    /// <summary>Sends <paramref name="text"/> and expects exactly <paramref name="expected"/> as the next lines.</summary>
    public static async Task ExpectAsync(this LineClient client, string text, params string[] expected)
    {
        await client.SendAsync(text);
        Assert.Equal(expected, await client.ReadLinesAsync(expected.Length));
    }

    /// <summary>Asserts the server closes within <paramref name="within"/> (default 5 s) without sending anything more.</summary>
    public static async Task AssertClosedAsync(this LineClient client, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(5);
        var clock = Stopwatch.StartNew();
        var extra = new List<string>();
        while (true)
        {
            var line = await client.ReadLineAsync(limit);
            if (line is null) break;
            extra.Add(line);
        }
        Assert.True(clock.Elapsed <= limit, $"closed only after {clock.Elapsed}");
        Assert.Empty(extra);
    }

    /// <summary>Error-level lines in the proxy's log: bad input must never produce one.</summary>
    public static IReadOnlyList<string> Errors(ProxyUnderTest proxy) =>
        proxy.Logs.Lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
}

/// <summary>Raw byte reads, for replies whose exact line ending matters.</summary>
internal static class RawWire
{
    /// <summary>Connects, sends <paramref name="send"/> after the greeting line, and returns everything until the server closes.</summary>
    public static async Task<string> ExchangeUntilClosedAsync(int port, string send, TimeSpan within)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        using var deadline = new CancellationTokenSource(within);
        await tcp.ConnectAsync("127.0.0.1", port, deadline.Token);
        var stream = tcp.GetStream();
        var received = new List<byte>();
        var buffer = new byte[4096];
        var sent = false;
        while (true)
        {
            if (!sent && received.Contains((byte)'\n'))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(send), deadline.Token);
                sent = true;
            }
            int n;
            try { n = await stream.ReadAsync(buffer, deadline.Token); }
            catch (IOException) { n = 0; }
            if (n == 0) return System.Text.Encoding.UTF8.GetString(received.ToArray());
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }
}
