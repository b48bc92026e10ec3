using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// Logs in to the upstream as nginx does (src/mail/ngx_mail_proxy_module.c): expect <c>* OK</c>, send
/// <c>tag LOGIN {n}</c> literals reusing the client's tag, accept at most one untagged line before the tagged OK.
/// Beyond nginx: when the greeting advertises LITERAL+ (RFC 7888), the literals are sent non-synchronising in one
/// write, which saves two round trips per login. A client's XOAUTH2/OAUTHBEARER login (<see cref="UpstreamBearerLogin"/>)
/// is passed on as <c>tag AUTHENTICATE mechanism</c> (RFC 3501 §6.2.2) when the upstream's capabilities (the greeting's
/// <c>[CAPABILITY …]</c>, else a CAPABILITY command) list <c>AUTH=mechanism</c>, with the message on the command line
/// under SASL-IR (RFC 4959), else after the <c>+</c> continuation; an error challenge is answered <c>AQ==</c> (RFC 7628 §3.2.3).
/// </summary>
internal static class ImapUpstreamLogin
{
    /// <param name="upstream">The connected upstream, TLS already on under ProxySsl on.</param>
    /// <param name="tag">The client's tag, used for the login command so the upstream's tagged reply can go to the client.</param>
    /// <param name="login">The upstream user: Auth-User, else the client's.</param>
    /// <param name="password">Auth-Pass (or a plain login's own password).</param>
    /// <param name="maxLineLength">proxy_buffer: the longest upstream line accepted.</param>
    /// <param name="id">The ID command's fields (ProxyImapId), or null to send none.</param>
    /// <param name="cancellationToken">Cancelled when the client leaves or <c>timeout</c> passes.</param>
    /// <remarks>
    /// Runs once per login, so it writes the commands straight into the upstream's pipe and decodes only the lines it
    /// keeps: the reply the client is sent comes back from <see cref="LineReader"/> with its CRLF, as one string.
    /// </remarks>
    /// <param name="bearer">The client's bearer login, or null for any other.</param>
    public static async Task<UpstreamLoginResult> LoginAsync(
        UpstreamConnection upstream, string tag, string login, string password, UpstreamBearerLogin? bearer, int maxLineLength, string? id,
        CancellationToken cancellationToken)
    {
        var (status, greeting) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, cancellationToken);
        if (status != LineStatus.Line || !greeting.StartsWith("* OK", StringComparison.OrdinalIgnoreCase))
            return UpstreamLoginResult.Failed(greeting);
        var capabilities = CapabilityList(greeting, "[CAPABILITY ");

        if (upstream.StartTlsPending)
        {
            // ProxySsl starttls (RFC 3501 §6.2.1): only a tagged OK lets TLS start; anything else ends the session.
            var startTls = await CommandAsync(upstream, StartTlsTag, "STARTTLS", maxLineLength, cancellationToken);
            if (!startTls.StartsWith(StartTlsTag + " OK", StringComparison.OrdinalIgnoreCase))
                throw new UpstreamTlsException($"upstream refused STARTTLS: {startTls}");
            await upstream.StartTlsAsync(cancellationToken);
            // What the greeting said before TLS may have been forged on the way (RFC 3501 §6.2.1: discard it).
            capabilities = null;
        }

        if (id is not null)
        {
            // RFC 2971 ID before LOGIN, so a server that trusts the proxy (Dovecot's login_trusted_networks) takes the
            // client's address from it; whatever the server answers, the login goes on.
            await CommandAsync(upstream, IdTag, "ID " + id, maxLineLength, cancellationToken);
        }

        if (bearer is { PassesToken: true })
        {
            capabilities ??= await CapabilityAsync(upstream, maxLineLength, cancellationToken);
            if (Lists(capabilities, "AUTH=" + bearer.Mechanism))
                return await AuthenticateAsync(upstream, tag, bearer, login, Lists(capabilities, "SASL-IR"), maxLineLength, cancellationToken);
        }

        if (bearer is not null && password.Length == 0) return UpstreamLoginResult.NotAttempted(bearer.NoPasswordReason);

        var literalPlus = Lists(capabilities, "LITERAL+");
        var input = upstream.Input;
        var output = upstream.Output;
        var userLength = Encoding.UTF8.GetByteCount(login);
        var passLength = Encoding.UTF8.GetByteCount(password);
        if (literalPlus)
        {
            WriteLiteralStart(output, tag, " LOGIN {", userLength, literalPlus: true);
            WriteUtf8(output, login);
            WriteLiteralStart(output, null, " {", passLength, literalPlus: true);
            WriteUtf8(output, password);
            output.Write("\r\n"u8);
            await output.FlushAsync(cancellationToken);
        }
        else
        {
            WriteLiteralStart(output, tag, " LOGIN {", userLength, literalPlus: false);
            await output.FlushAsync(cancellationToken);
            (status, var line) = await LineReader.ReadLineAsync(input, maxLineLength, cancellationToken);
            if (status != LineStatus.Line || !line.StartsWith('+')) return UpstreamLoginResult.Failed(line);
            WriteUtf8(output, login);
            WriteLiteralStart(output, null, " {", passLength, literalPlus: false);
            await output.FlushAsync(cancellationToken);
            (status, line) = await LineReader.ReadLineAsync(input, maxLineLength, cancellationToken);
            if (status != LineStatus.Line || !line.StartsWith('+')) return UpstreamLoginResult.Failed(line);
            WriteUtf8(output, password);
            output.Write("\r\n"u8);
            await output.FlushAsync(cancellationToken);
        }

        return await TaggedReplyAsync(upstream, tag, answerErrorChallenge: false, maxLineLength, cancellationToken);
    }

    /// <summary>
    /// The login's tagged reply. At most one untagged line may precede it (nginx 1.27.3: SmarterMail, Gmail send
    /// CAPABILITY). Lines are read with their CRLF: the tagged one (after the untagged one, if any) is what the client
    /// is sent. With <paramref name="answerErrorChallenge"/>, one <c>+</c> line (a SASL error challenge) is answered
    /// <c>AQ==</c> and the tagged reply that follows is the result.
    /// </summary>
    private static async Task<UpstreamLoginResult> TaggedReplyAsync(
        UpstreamConnection upstream, string tag, bool answerErrorChallenge, int maxLineLength, CancellationToken cancellationToken)
    {
        string? untaggedLine = null;
        while (true)
        {
            var (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, cancellationToken, withLineEnd: true);
            if (status != LineStatus.Line) return UpstreamLoginResult.Failed(line);
            if (line.StartsWith("* ", StringComparison.Ordinal) && untaggedLine is null)
            {
                untaggedLine = line;
                continue;
            }
            if (answerErrorChallenge && line.StartsWith('+'))
            {
                answerErrorChallenge = false;
                Write(upstream.Output, UpstreamBearerLogin.ErrorChallengeAnswer + "\r\n");
                await upstream.Output.FlushAsync(cancellationToken);
                continue;
            }
            var ok = IsTaggedOk(line, tag);
            return new(ok, !ok ? line : untaggedLine is null ? line : untaggedLine + line);
        }
    }

    /// <summary><c>tag AUTHENTICATE mechanism</c> with the client's token for <paramref name="user"/>.</summary>
    private static async Task<UpstreamLoginResult> AuthenticateAsync(
        UpstreamConnection upstream, string tag, UpstreamBearerLogin bearer, string user, bool saslIr, int maxLineLength, CancellationToken cancellationToken)
    {
        var initialResponse = bearer.InitialResponse(user);
        if (saslIr)
        {
            Write(upstream.Output, $"{tag} AUTHENTICATE {bearer.Mechanism} {initialResponse}\r\n");
        }
        else
        {
            Write(upstream.Output, $"{tag} AUTHENTICATE {bearer.Mechanism}\r\n");
            await upstream.Output.FlushAsync(cancellationToken);
            var (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, cancellationToken);
            if (status != LineStatus.Line || !line.StartsWith('+')) return UpstreamLoginResult.Failed(line);
            Write(upstream.Output, initialResponse + "\r\n");
        }
        await upstream.Output.FlushAsync(cancellationToken);
        return await TaggedReplyAsync(upstream, tag, answerErrorChallenge: true, maxLineLength, cancellationToken);
    }

    /// <summary>
    /// The upstream's capabilities from a CAPABILITY command (RFC 3501 §6.1.1): the untagged <c>* CAPABILITY</c>
    /// line's list, or empty when there is none.
    /// </summary>
    private static async Task<string> CapabilityAsync(UpstreamConnection upstream, int maxLineLength, CancellationToken cancellationToken)
    {
        Write(upstream.Output, CapabilityTag + " CAPABILITY\r\n");
        await upstream.Output.FlushAsync(cancellationToken);
        var capabilities = "";
        for (var untagged = 0; untagged <= MaxUntagged; untagged++)
        {
            var (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, cancellationToken);
            if (status != LineStatus.Line || !line.StartsWith("* ", StringComparison.Ordinal)) break;
            capabilities = CapabilityList(line, "* CAPABILITY ") ?? capabilities;
        }
        return capabilities;
    }

    /// <summary><c>tag OK</c>, case-insensitively, without making the text to compare with.</summary>
    private static bool IsTaggedOk(string line, string tag) =>
        line.Length >= tag.Length + 3
        && line.AsSpan(0, tag.Length).Equals(tag, StringComparison.OrdinalIgnoreCase)
        && line.AsSpan(tag.Length, 3).Equals(" OK", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Writes <c>[tag]{prefix}{length}[+]}\r\n</c>: the start of a LOGIN literal, in place in the pipe. Tags are
    /// ASCII (ImapCommandParser accepts [A-Za-z0-9._-] only).
    /// </summary>
    private static void WriteLiteralStart(PipeWriter output, string? tag, string prefix, int length, bool literalPlus)
    {
        var span = output.GetSpan((tag?.Length ?? 0) + prefix.Length + 16);
        var written = tag is null ? 0 : Encoding.ASCII.GetBytes(tag, span);
        written += Encoding.ASCII.GetBytes(prefix, span[written..]);
        length.TryFormat(span[written..], out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
        written += digits;
        var end = literalPlus ? "+}\r\n"u8 : "}\r\n"u8;
        end.CopyTo(span[written..]);
        output.Advance(written + end.Length);
    }

    private static void WriteUtf8(PipeWriter output, string text)
    {
        var written = Encoding.UTF8.GetBytes(text, output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        output.Advance(written);
    }

    private const string StartTlsTag = "S1";
    private const string IdTag = "I1";
    private const string CapabilityTag = "C1";

    /// <summary>At most this many untagged lines may precede a tagged reply to the proxy's own commands.</summary>
    private const int MaxUntagged = 8;

    /// <summary>Sends one of the proxy's own commands and returns its tagged reply line (or what ended the dialogue).</summary>
    private static async Task<string> CommandAsync(UpstreamConnection upstream, string tag, string command, int maxLineLength, CancellationToken cancellationToken)
    {
        Write(upstream.Output, $"{tag} {command}\r\n");
        await upstream.Output.FlushAsync(cancellationToken);
        for (var untagged = 0; untagged <= MaxUntagged; untagged++)
        {
            var (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, cancellationToken);
            if (status != LineStatus.Line) return line;
            if (!line.StartsWith("* ", StringComparison.Ordinal)) return line;
        }
        return "";
    }

    /// <summary>
    /// The capability list after <paramref name="prefix"/> (<c>[CAPABILITY </c> in a greeting's response code, or
    /// <c>* CAPABILITY </c> for the untagged reply), up to <c>]</c> or the end of the line; null when there is none.
    /// </summary>
    private static string? CapabilityList(string line, string prefix)
    {
        var start = line.IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
        if (start < 0) return null;
        start += prefix.Length;
        var end = prefix[0] == '[' ? line.IndexOf(']', start) : -1;
        return line[start..(end < 0 ? line.Length : end)];
    }

    /// <summary>Whether <paramref name="capabilities"/> lists <paramref name="capability"/> (case-insensitively, RFC 3501 §7.2.1).</summary>
    private static bool Lists(string? capabilities, string capability) =>
        capabilities is not null && CapabilityWords.Contains(capabilities, capability);

    private static void Write(PipeWriter output, string ascii) => output.Write(Encoding.ASCII.GetBytes(ascii));
}
