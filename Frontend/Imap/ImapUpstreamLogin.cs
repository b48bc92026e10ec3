using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Imap;

/// <summary>The result of logging in to the upstream IMAP server.</summary>
/// <param name="Succeeded">The upstream answered the tagged OK.</param>
/// <param name="Reply">
/// On success, the upstream's final response (with the one untagged line before it, if any), relayed to the client.
/// On failure, the upstream's offending line, shown to the client only with <c>proxy_pass_error_message on</c>.
/// </param>
internal sealed record ImapUpstreamLoginResult(bool Succeeded, string Reply);

/// <summary>
/// Logs in to the upstream as nginx does (nginx-mail.md §3.6): expect <c>* OK</c>, send
/// <c>tag LOGIN {n}</c> literals reusing the client's tag, accept at most one untagged line before the tagged OK.
/// Beyond nginx: when the greeting advertises LITERAL+ (RFC 7888), the literals are sent non-synchronising in one
/// write, which saves two round trips per login.
/// </summary>
internal static class ImapUpstreamLogin
{
    public static async Task<ImapUpstreamLoginResult> LoginAsync(
        IDuplexPipe upstream, string tag, string login, string password, int maxLineLength, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var input = upstream.Input;
        var output = upstream.Output;
        Func<ValueTask<ReadResult>> read = () => input.ReadAsync(deadline.Token);

        var (status, greeting) = await LineReader.ReadLineAsync(input, maxLineLength, read);
        if (status != LineStatus.Line || !greeting.StartsWith("* OK", StringComparison.OrdinalIgnoreCase))
            return Failed(greeting);
        var literalPlus = AdvertisesLiteralPlus(greeting);

        var user = Encoding.UTF8.GetBytes(login);
        var pass = Encoding.UTF8.GetBytes(password);
        if (literalPlus)
        {
            Write(output, $"{tag} LOGIN {{{user.Length}+}}\r\n");
            output.Write(user);
            Write(output, $" {{{pass.Length}+}}\r\n");
            output.Write(pass);
            Write(output, "\r\n");
            await output.FlushAsync(deadline.Token);
        }
        else
        {
            Write(output, $"{tag} LOGIN {{{user.Length}}}\r\n");
            await output.FlushAsync(deadline.Token);
            (status, var line) = await LineReader.ReadLineAsync(input, maxLineLength, read);
            if (status != LineStatus.Line || !line.StartsWith('+')) return Failed(line);
            output.Write(user);
            Write(output, $" {{{pass.Length}}}\r\n");
            await output.FlushAsync(deadline.Token);
            (status, line) = await LineReader.ReadLineAsync(input, maxLineLength, read);
            if (status != LineStatus.Line || !line.StartsWith('+')) return Failed(line);
            output.Write(pass);
            Write(output, "\r\n");
            await output.FlushAsync(deadline.Token);
        }

        // At most one untagged line may precede the tagged reply (nginx 1.27.3: SmarterMail, Gmail send CAPABILITY).
        var reply = new StringBuilder();
        for (var untagged = 0; ; untagged++)
        {
            (status, var line) = await LineReader.ReadLineAsync(input, maxLineLength, read);
            if (status != LineStatus.Line) return Failed(line);
            reply.Append(line).Append("\r\n");
            if (line.StartsWith("* ", StringComparison.Ordinal) && untagged == 0) continue;
            var ok = line.StartsWith($"{tag} OK", StringComparison.OrdinalIgnoreCase);
            return new(ok, ok ? reply.ToString() : line + "\r\n");
        }
    }

    /// <summary>
    /// A failed dialogue. The offending line is kept as a whole line, CRLF included, because with
    /// proxy_pass_error_message it goes to the client as is (nginx sends the backend's line with its CRLF);
    /// without the CRLF the client saw a truncated reply before the close. Nothing at all when there was no line.
    /// </summary>
    private static ImapUpstreamLoginResult Failed(string line) => new(false, line.Length > 0 ? line + "\r\n" : "");

    private static bool AdvertisesLiteralPlus(string greeting)
    {
        var start = greeting.IndexOf("[CAPABILITY ", StringComparison.OrdinalIgnoreCase);
        if (start < 0) return false;
        var end = greeting.IndexOf(']', start);
        var capabilities = greeting.AsSpan(start + 12, (end < 0 ? greeting.Length : end) - start - 12);
        foreach (var range in capabilities.Split(' '))
            if (capabilities[range].Equals("LITERAL+", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static void Write(PipeWriter output, string ascii) => output.Write(Encoding.ASCII.GetBytes(ascii));
}
