using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// Splits one command line the way nginx's ngx_mail_smtp_parse_command does (src/mail/ngx_mail_parse.c): the name is
/// letters only, case-insensitive, and ends at SP or the end of the line; arguments are separated by spaces, at
/// most 10 of them. The line end (CRLF or bare LF) is already gone; the line is bounded by smtp_client_buffer.
/// A CR left inside the line (a bare CR) or a NUL makes it invalid: RFC 5321 §2.3.8 allows CR only in the line's
/// CRLF, and a server that passed either on (in MAIL FROM, say, or XCLIENT) would let a client smuggle a second
/// command or cut one short at the upstream.
/// The line is read in place with a <see cref="SequenceReader{T}"/>: the name, the arguments and, for MAIL and RCPT
/// (replayed upstream as sent), the whole line become strings; nothing else.
/// </summary>
internal static class SmtpCommandParser
{
    private const int MaxArguments = 10;

    private const byte SP = (byte)' ';

    private static readonly SearchValues<byte> Forbidden = SearchValues.Create("\r\0"u8);

    private static ReadOnlySpan<byte> Letters => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8;

    /// <summary>The command, or null for a line nginx's parser rejects (an invalid command, counted by max_errors).</summary>
    public static SmtpCommand? Parse(in ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
            if (segment.Span.ContainsAny(Forbidden)) return null;
        var reader = new SequenceReader<byte>(line);
        var nameLength = reader.AdvancePastAny(Letters);
        if (nameLength == 0 || (reader.TryPeek(out var afterName) && afterName != SP)) return null;

        var arguments = new List<string>();
        while (true)
        {
            reader.AdvancePast(SP);
            if (reader.End) break;
            if (arguments.Count == MaxArguments) return null;
            if (!reader.TryReadTo(out ReadOnlySequence<byte> argument, SP, advancePastDelimiter: false))
            {
                argument = reader.UnreadSequence;
                reader.AdvanceToEnd();
            }
            arguments.Add(SequenceText.Utf8(argument));
        }
        var name = UpperCaseName(line.Slice(0, nameLength));
        return new SmtpCommand(name, arguments, name is "MAIL" or "RCPT" ? SequenceText.Utf8(line) : null);
    }

    /// <summary>The name's letters, upper-cased, in one string.</summary>
    private static string UpperCaseName(in ReadOnlySequence<byte> letters) =>
        string.Create((int)letters.Length, letters, static (chars, bytes) =>
        {
            var at = 0;
            foreach (var segment in bytes)
            {
                Ascii.ToUpper(segment.Span, chars[at..], out var written);
                at += written;
            }
        });
}
