using System.Net.Sockets;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A fake upstream IMAP server for login-dialogue failures: on each connection it sends <see cref="Greeting"/> at
/// once (nothing when null), then either hangs up or holds the connection, reading and discarding, until disposed.
/// </summary>
internal sealed class ScriptedUpstream : ScriptedServer
{
    public ScriptedUpstream(string? greeting, bool hangUp)
    {
        Greeting = greeting;
        HangUp = hangUp;
        Start();
    }

    public string? Greeting { get; }

    public bool HangUp { get; }

    protected override async Task ServeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        if (Greeting is not null) await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(Greeting), Stopping);
        if (HangUp) return;
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, Stopping) > 0)
        {
        }
    }
}
