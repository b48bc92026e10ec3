using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A fake IMAP upstream for STARTTLS misbehaviour a real server would not produce: greets, answers the proxy's
/// <c>STARTTLS</c> with <see cref="StartTlsReply"/> in one write (which may carry injected lines after the OK), and
/// records everything it received.
/// </summary>
internal sealed class ScriptedStartTlsUpstream : ScriptedServer
{
    private readonly StringBuilder _received = new();

    public ScriptedStartTlsUpstream(string startTlsReply)
    {
        StartTlsReply = startTlsReply;
        Start();
    }

    public string StartTlsReply { get; }

    public string Received
    {
        get { lock (_received) return _received.ToString(); }
    }

    protected override async Task ServeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        await stream.WriteAsync("* OK [CAPABILITY IMAP4rev1 STARTTLS] scripted\r\n"u8.ToArray(), Stopping);
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, Stopping)) > 0)
        {
            var text = Encoding.ASCII.GetString(buffer, 0, read);
            lock (_received) _received.Append(text);
            if (text.Contains("STARTTLS", StringComparison.Ordinal))
                await stream.WriteAsync(Encoding.ASCII.GetBytes(StartTlsReply), Stopping);
        }
    }
}
