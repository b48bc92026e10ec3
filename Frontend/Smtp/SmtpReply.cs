using System.IO.Pipelines;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// One upstream reply, possibly multi-line (RFC 5321 §4.2.1: <c>250-first</c> … <c>250 last</c>).
/// </summary>
/// <param name="Code">The reply code, or 0 when the reply was broken (no code, closed, too long).</param>
/// <param name="Lines">The lines without line ends.</param>
internal sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The lines as sent, each with CRLF (what a client is shown, or proxy_pass_error_message's text).</summary>
    public string Text => Lines.Count == 0 ? "" : string.Join("\r\n", Lines) + "\r\n";

    /// <summary>The lines joined with CRLF but without the last one, as <see cref="Sessions.UpstreamLoginResult.Failed"/> wants.</summary>
    public string TextWithoutLastLineEnd => string.Join("\r\n", Lines);

    /// <summary>Whether an EHLO reply lists <paramref name="keyword"/> (RFC 5321 §4.1.1.1: one extension per line after the first).</summary>
    public bool HasExtension(string keyword)
    {
        for (var i = 1; i < Lines.Count; i++)
        {
            if (Lines[i].Length < 4) continue; // a bare "250" ends a reply too
            var extension = Lines[i].AsSpan(4);
            if (extension.Equals(keyword, StringComparison.OrdinalIgnoreCase)
                || (extension.StartsWith(keyword, StringComparison.OrdinalIgnoreCase) && extension.Length > keyword.Length && extension[keyword.Length] == ' '))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Reads one reply; every line must carry the same 3-digit code, and the whole reply must fit
    /// <paramref name="maxLength"/> bytes (proxy_buffer, as nginx reads a reply into that buffer).
    /// </summary>
    public static async Task<SmtpReply> ReadAsync(PipeReader input, int maxLength, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var left = maxLength;
        while (true)
        {
            var (status, line) = await LineReader.ReadLineAsync(input, left, () => input.ReadAsync(cancellationToken));
            if (status != LineStatus.Line) return new SmtpReply(0, lines);
            lines.Add(line);
            left -= line.Length + 2;
            if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
                || (lines.Count > 1 && string.CompareOrdinal(line, 0, lines[0], 0, 3) != 0))
                return new SmtpReply(0, lines);
            if (line.Length == 3 || line[3] == ' ') return new SmtpReply(int.Parse(line.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture), lines);
            if (line[3] != '-' || left <= 0) return new SmtpReply(0, lines);
        }
    }
}
