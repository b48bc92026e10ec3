using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// Logs in to the upstream as nginx does (nginx-mail.md §3.6): expect <c>* OK</c>, send
/// <c>tag LOGIN {n}</c> literals reusing the client's tag, accept at most one untagged line before the tagged OK.
/// Beyond nginx: when the greeting advertises LITERAL+ (RFC 7888), the literals are sent non-synchronising in one
/// write, which saves two round trips per login.
/// </summary>
internal static class ImapUpstreamLogin
{
    /// <param name="cancellationToken">Cancelled when the client leaves or <c>timeout</c> passes.</param>
    public static async Task<UpstreamLoginResult> LoginAsync(
        IDuplexPipe upstream, string tag, string login, string password, int maxLineLength, CancellationToken cancellationToken)
    {
        var input = upstream.Input;
        var output = upstream.Output;
        Func<ValueTask<ReadResult>> read = () => input.ReadAsync(cancellationToken);

        var (status, greeting) = await LineReader.ReadLineAsync(input, maxLineLength, read);
        if (status != LineStatus.Line || !greeting.StartsWith("* OK", StringComparison.OrdinalIgnoreCase))
            return UpstreamLoginResult.Failed(greeting);
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
            await output.FlushAsync(cancellationToken);
        }
        else
        {
            Write(output, $"{tag} LOGIN {{{user.Length}}}\r\n");
            await output.FlushAsync(cancellationToken);
            (status, var line) = await LineReader.ReadLineAsync(input, maxLineLength, read);
            if (status != LineStatus.Line || !line.StartsWith('+')) return UpstreamLoginResult.Failed(line);
            output.Write(user);
            Write(output, $" {{{pass.Length}}}\r\n");
            await output.FlushAsync(cancellationToken);
            (status, line) = await LineReader.ReadLineAsync(input, maxLineLength, read);
            if (status != LineStatus.Line || !line.StartsWith('+')) return UpstreamLoginResult.Failed(line);
            output.Write(pass);
            Write(output, "\r\n");
            await output.FlushAsync(cancellationToken);
        }

        // At most one untagged line may precede the tagged reply (nginx 1.27.3: SmarterMail, Gmail send CAPABILITY).
        var reply = new StringBuilder();
        for (var untagged = 0; ; untagged++)
        {
            (status, var line) = await LineReader.ReadLineAsync(input, maxLineLength, read);
            if (status != LineStatus.Line) return UpstreamLoginResult.Failed(line);
            reply.Append(line).Append("\r\n");
            if (line.StartsWith("* ", StringComparison.Ordinal) && untagged == 0) continue;
            var ok = line.StartsWith($"{tag} OK", StringComparison.OrdinalIgnoreCase);
            return new(ok, ok ? reply.ToString() : line + "\r\n");
        }
    }

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
