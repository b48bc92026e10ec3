namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// Splits one command line the way nginx's ngx_mail_smtp_parse_command does (src/mail/ngx_mail_handler.c): the name is
/// letters only, case-insensitive, and ends at SP or the end of the line; arguments are separated by spaces, at
/// most 10 of them. The line end (CRLF or bare LF) is already gone; the line is bounded by smtp_client_buffer.
/// </summary>
internal static class SmtpCommandParser
{
    private const int MaxArguments = 10;

    /// <summary>The command, or null for a line nginx's parser rejects (an invalid command, counted by max_errors).</summary>
    public static SmtpCommand? Parse(string line)
    {
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
