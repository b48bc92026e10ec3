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
/// Always USER/PASS, whatever the client used: after APOP or CRAM-MD5 the auth server hands over the clear password.
/// </summary>
internal static class Pop3UpstreamLogin
{
    /// <param name="cancellationToken">Cancelled when the client leaves or <c>timeout</c> passes.</param>
    public static async Task<UpstreamLoginResult> LoginAsync(
        UpstreamConnection upstream, string login, string password, int maxLineLength, CancellationToken cancellationToken)
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

        foreach (var command in new[] { $"USER {login}\r\n", $"PASS {password}\r\n" })
        {
            upstream.Output.Write(Encoding.UTF8.GetBytes(command));
            await upstream.Output.FlushAsync(cancellationToken);
            (status, line) = await LineReader.ReadLineAsync(upstream.Input, maxLineLength, read);
            if (!IsOk(status, line)) return UpstreamLoginResult.Failed(line);
        }
        return new UpstreamLoginResult(true, line + "\r\n");
    }

    /// <summary>nginx checks the first three bytes for <c>+OK</c>, case-sensitively (RFC 1939 §3 status indicators).</summary>
    private static bool IsOk(LineStatus status, string line) =>
        status == LineStatus.Line && line.StartsWith("+OK", StringComparison.Ordinal);
}
