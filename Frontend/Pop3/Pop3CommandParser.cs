using System.Text;

namespace OrleansMail.Frontend.Pop3;

/// <summary>
/// Parses one POP3 command line (its line end already removed) as nginx's ngx_mail_pop3_parse_command does
/// (src/mail/ngx_mail_handler.c and ngx_mail_pop3_handler.c): the name is exactly four letters, case-insensitive, and one the pre-login parser
/// knows; arguments are separated by runs of spaces, at most three; USER and PASS keep spaces inside their one
/// argument, so a login or password may contain them. A CR anywhere but before the final LF is invalid.
/// Anything else is a parse-level error, which max_errors counts.
/// </summary>
internal static class Pop3CommandParser
{
    /// <summary>
    /// The commands known before login (STLS, RFC 2595 §4, whatever starttls says: the session refuses it when off).
    /// </summary>
    private static readonly string[] KnownCommands =
        [Pop3Command.User, Pop3Command.Pass, Pop3Command.Apop, Pop3Command.Auth, Pop3Command.Capa, Pop3Command.Noop, Pop3Command.Quit, Pop3Command.Stls];

    /// <summary>nginx keeps at most three arguments and refuses a fourth.</summary>
    private const int MaxArguments = 3;

    /// <summary>The command, or null when the line is not a command nginx's parser accepts.</summary>
    public static Pop3Command? Parse(string line)
    {
        if (line.Contains('\r')) return null;
        var nameLength = 0;
        while (nameLength < line.Length && char.IsAsciiLetter(line[nameLength])) nameLength++;
        if (nameLength != 4 || (nameLength < line.Length && line[nameLength] != ' ')) return null;
        if (KnownCommand(line.AsSpan(0, 4)) is not { } name) return null;

        var rest = line.AsSpan(nameLength).TrimStart(' ');
        if (rest.IsEmpty) return new Pop3Command(name, []);
        if (name is Pop3Command.User or Pop3Command.Pass) return new Pop3Command(name, [rest.ToString()]);

        var arguments = new List<string>(2);
        foreach (var range in rest.Split(' '))
        {
            if (rest[range].IsEmpty) continue;
            if (arguments.Count == MaxArguments) return null;
            arguments.Add(rest[range].ToString());
        }
        return new Pop3Command(name, [.. arguments]);
    }

    private static string? KnownCommand(ReadOnlySpan<char> name)
    {
        foreach (var known in KnownCommands)
            if (Ascii.EqualsIgnoreCase(name, known)) return known;
        return null;
    }
}
