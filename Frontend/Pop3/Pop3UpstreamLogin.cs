using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Frontend.Pop3;

/// <summary>
/// Logs in to the upstream as nginx does (src/mail/ngx_mail_proxy_module.c): expect the <c>+OK</c> greeting, send
/// <c>USER</c>, expect <c>+OK</c>, send <c>PASS</c>, and relay the upstream's final <c>+OK</c> to the client.
/// USER/PASS whatever the client used (after APOP or CRAM-MD5 the auth server hands over the clear password), except
/// that a client's XOAUTH2/OAUTHBEARER login (<see cref="UpstreamBearerLogin"/>) is passed on as <c>AUTH mechanism
/// initial-response</c> (RFC 5034) when the upstream's CAPA (RFC 2449) lists the mechanism under SASL; an error
/// challenge is answered <c>AQ==</c> (RFC 7628 §3.2.3).
/// </summary>
internal static class Pop3UpstreamLogin
{
    /// <summary>RFC 5034 §4: the longest AUTH command line with an initial response, CRLF included.</summary>
    private const int MaxAuthCommandLine = 255;

    /// <param name="upstream">The connected upstream, TLS already on under ProxySsl on.</param>
    /// <param name="login">The upstream user: Auth-User, else the client's.</param>
    /// <param name="password">Auth-Pass (or a plain login's own password).</param>
    /// <param name="maxLineLength">proxy_buffer: the longest upstream line accepted.</param>
    /// <param name="cancellationToken">Cancelled when the client leaves or <c>timeout</c> passes.</param>
    /// <param name="bearer">The client's bearer login, or null for any other.</param>
    public static async Task<UpstreamLoginResult> LoginAsync(
        UpstreamConnection upstream, string login, string password, UpstreamBearerLogin? bearer, int maxLineLength, CancellationToken cancellationToken)
    {
        Func<ValueTask<ReadResult>> read = () => upstream.Input.ReadAsync(cancellationToken);

        var (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, read);
        if (!IsOk(status, line)) return UpstreamLoginResult.Failed(line);

        if (upstream.StartTlsPending)
        {
            // ProxySsl starttls: STLS (RFC 2595 §4); only +OK lets TLS start, anything else ends the session.
            upstream.Output.Write("STLS\r\n"u8);
            await upstream.Output.FlushAsync(cancellationToken);
            (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, read);
            if (!IsOk(status, line)) throw new UpstreamTlsException($"upstream refused STLS: {line}");
            await upstream.StartTlsAsync(cancellationToken);
        }

        if (bearer is { PassesToken: true } && await OffersAsync(upstream, bearer.Mechanism, maxLineLength, read, cancellationToken))
        {
            // RFC 5034 §4: an AUTH command with its initial response is at most 255 octets; a longer token follows
            // the server's empty "+ " challenge.
            var message = bearer.InitialResponse(login);
            if (bearer.CommandWithInitialResponse(message, MaxAuthCommandLine) is { } command)
                (status, line) = await SendAsync(upstream, command, maxLineLength, read, cancellationToken);
            else
            {
                (status, line) = await SendAsync(upstream, $"AUTH {bearer.Mechanism}\r\n", maxLineLength, read, cancellationToken);
                if (status != LineStatus.Line || !(line == "+" || line.StartsWith("+ ", StringComparison.Ordinal))) return UpstreamLoginResult.Failed(line);
                (status, line) = await SendAsync(upstream, message + "\r\n", maxLineLength, read, cancellationToken);
            }
            if (status == LineStatus.Line && line.StartsWith("+ ", StringComparison.Ordinal))
                (status, line) = await SendAsync(upstream, UpstreamBearerLogin.ErrorChallengeAnswer + "\r\n", maxLineLength, read, cancellationToken);
            return IsOk(status, line) ? new UpstreamLoginResult(true, line + "\r\n") : UpstreamLoginResult.Failed(line);
        }

        if (bearer is not null && password.Length == 0) return UpstreamLoginResult.NotAttempted(bearer.NoPasswordReason);

        foreach (var command in new[] { $"USER {login}\r\n", $"PASS {password}\r\n" })
        {
            (status, line) = await SendAsync(upstream, command, maxLineLength, read, cancellationToken);
            if (!IsOk(status, line)) return UpstreamLoginResult.Failed(line);
        }
        return new UpstreamLoginResult(true, line + "\r\n");
    }

    private static async Task<(LineStatus, string)> SendAsync(
        UpstreamConnection upstream, string command, int maxLineLength, Func<ValueTask<ReadResult>> read, CancellationToken cancellationToken)
    {
        upstream.Output.Write(Encoding.UTF8.GetBytes(command));
        await upstream.Output.FlushAsync(cancellationToken);
        return await LineReader.ReadLineAsync(upstream.Input, maxLineLength, read);
    }

    /// <summary>
    /// Whether the upstream's CAPA lists <paramref name="mechanism"/> in its SASL line (RFC 2449 §6.3, RFC 5034 §6).
    /// Reads the whole multi-line reply (up to the lone <c>.</c>); an <c>-ERR</c> (no CAPA) offers nothing.
    /// </summary>
    private static async Task<bool> OffersAsync(
        UpstreamConnection upstream, string mechanism, int maxLineLength, Func<ValueTask<ReadResult>> read, CancellationToken cancellationToken)
    {
        var (status, line) = await SendAsync(upstream, "CAPA\r\n", maxLineLength, read, cancellationToken);
        if (!IsOk(status, line)) return false;
        var offered = false;
        while (true)
        {
            (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, read);
            if (status != LineStatus.Line || line == ".") return offered;
            if (line.StartsWith("SASL ", StringComparison.OrdinalIgnoreCase))
                offered |= CapabilityWords.Contains(line.AsSpan(5), mechanism);
        }
    }

    /// <summary>nginx checks the first three bytes for <c>+OK</c>, case-sensitively (RFC 1939 §3 status indicators).</summary>
    private static bool IsOk(LineStatus status, string line) =>
        status == LineStatus.Line && line.StartsWith("+OK", StringComparison.Ordinal);
}
