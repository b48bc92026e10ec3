using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A fake upstream SMTP server for what real Postfix will not do: record the exact XCLIENT line, advertise a
/// chosen XCLIENT attribute list, refuse or hang up at a chosen step, accept proxy_smtp_auth's AUTH PLAIN. Each
/// connection gets <see cref="Greeting"/>, then every line read goes to <see cref="Answer"/>: its text is sent, or
/// null hangs up (as does an answer ending in <see cref="ThenHangUp"/>, after it is sent). Every line received is
/// recorded; <see cref="OpenConnections"/> shows what the proxy left open.
/// </summary>
internal sealed class ScriptedSmtpUpstream : ScriptedServer
{
    private readonly ConcurrentQueue<string> _lines = new();
    private int _open;

    public ScriptedSmtpUpstream(string? greeting = "220 scripted ESMTP\r\n", Func<string, string?>? answer = null)
    {
        Greeting = greeting;
        Answer = answer ?? DefaultAnswer;
        Start();
    }

    /// <summary>The EHLO reply of a server that offers every XCLIENT attribute Postfix knows.</summary>
    public const string EhloWithXclient =
        "250-scripted\r\n250-PIPELINING\r\n250-XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT\r\n250 8BITMIME\r\n";

    /// <summary>Ends an answer that is sent and then followed by a hang-up (a reply cut short).</summary>
    public const string ThenHangUp = "\0hang up";

    /// <summary>Sent on connect; null sends nothing (and then hangs up when <see cref="Answer"/> says so).</summary>
    public string? Greeting { get; }

    public Func<string, string?> Answer { get; }

    /// <summary>Every line received, without CRLF, in order.</summary>
    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>Connections not yet closed by either side.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>A well-behaved ESMTP server with XCLIENT that accepts everything.</summary>
    public static string? DefaultAnswer(string line)
    {
        var verb = line.Split(' ')[0].ToUpperInvariant();
        return verb switch
        {
            "EHLO" => EhloWithXclient,
            "HELO" => "250 scripted\r\n",
            "XCLIENT" => "220 scripted ESMTP\r\n",
            "AUTH" => "235 2.7.0 Authentication successful\r\n",
            "MAIL" => "250 2.1.0 Ok\r\n",
            "RCPT" => "250 2.1.5 Ok\r\n",
            "QUIT" => "221 2.0.0 Bye\r\n",
            _ => "250 2.0.0 Ok\r\n",
        };
    }

    protected override async Task ServeAsync(TcpClient client)
    {
        Interlocked.Increment(ref _open);
        try
        {
            var stream = client.GetStream();
            if (Greeting is not null) await stream.WriteAsync(Encoding.ASCII.GetBytes(Greeting), Stopping);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(Stopping) is { } line)
            {
                _lines.Enqueue(line);
                var answer = Answer(line);
                if (answer is null) return;
                var hangUp = answer.EndsWith(ThenHangUp, StringComparison.Ordinal);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(hangUp ? answer[..^ThenHangUp.Length] : answer), Stopping);
                if (hangUp) return;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }
}
