namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// Splits one command line the way nginx's ngx_mail_smtp_parse_command does (src/mail/ngx_mail_handler.c): the name is
/// letters only, case-insensitive, and ends at SP or the end of the line; arguments are separated by spaces, at
/// most 10 of them. The line end (CRLF or bare LF) is already gone; the line is bounded by smtp_client_buffer.
/// A CR left inside the line (a bare CR) or a NUL makes it invalid: RFC 5321 §2.3.8 allows CR only in the line's
/// CRLF, and a server that passed either on (in MAIL FROM, say, or XCLIENT) would let a client smuggle a second
/// command or cut one short at the upstream.
/// </summary>
internal static class SmtpCommandParser
{
    private const int MaxArguments = 10;

    /// <summary>The command, or null for a line nginx's parser rejects (an invalid command, counted by max_errors).</summary>
    public static SmtpCommand? Parse(string line)
    {
        if (line.AsSpan().IndexOfAny('\r', '\0') >= 0) return null;
        var nameLength = 0;
        while (nameLength < line.Length && char.IsAsciiLetter(line[nameLength])) nameLength++;
        if (nameLength == 0 || (nameLength < line.Length && line[nameLength] != ' ')) return null;

        var arguments = new List<string>();
        foreach (var range in line.AsSpan(nameLength).Split(' '))
        {
            var (start, length) = range.GetOffsetAndLength(line.Length - nameLength);
            if (length == 0) continue;
            if (arguments.Count == MaxArguments) return null;
            arguments.Add(line.Substring(nameLength + start, length));
        }
        return new SmtpCommand(line[..nameLength].ToUpperInvariant(), arguments, line);
    }
}
