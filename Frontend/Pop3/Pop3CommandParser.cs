using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Pop3;

/// <summary>
/// Parses one POP3 command line (its line end already removed) as nginx's ngx_mail_pop3_parse_command does
/// (src/mail/ngx_mail_parse.c and ngx_mail_pop3_handler.c): the name is exactly four letters, case-insensitive, and
/// one the pre-login parser knows; arguments are separated by runs of spaces, at most three; USER and PASS keep spaces
/// inside their one argument, so a login or password may contain them. A CR anywhere but before the final LF is
/// invalid. Anything else is a parse-level error, which max_errors counts.
/// The line is read in place with a <see cref="SequenceReader{T}"/>: only the argument values become strings.
/// </summary>
internal static class Pop3CommandParser
{
    /// <summary>
    /// The commands known before login (STLS, RFC 2595 §4, whatever starttls says: the session refuses it when off).
    /// </summary>
    private static readonly string[] KnownCommands =
        [Pop3Command.User, Pop3Command.Pass, Pop3Command.Apop, Pop3Command.Auth, Pop3Command.Capa, Pop3Command.Noop, Pop3Command.Quit, Pop3Command.Stls];

    private const int NameLength = 4;

    /// <summary>nginx keeps at most three arguments and refuses a fourth.</summary>
    private const int MaxArguments = 3;

    private const byte SP = (byte)' ';

    /// <summary>The command, or null when the line is not a command nginx's parser accepts.</summary>
    public static Pop3Command? Parse(in ReadOnlySequence<byte> line)
    {
        if (line.PositionOf((byte)'\r') is not null) return null;
        var reader = new SequenceReader<byte>(line);
        Span<byte> name = stackalloc byte[NameLength];
        if (!reader.TryCopyTo(name) || !IsLetters(name)) return null;
        reader.Advance(NameLength);
        if (reader.TryPeek(out var afterName) && afterName != SP) return null;
        if (KnownCommand(name) is not { } command) return null;

        reader.AdvancePast(SP);
        if (reader.End) return new Pop3Command(command, []);
        if (command is Pop3Command.User or Pop3Command.Pass) return new Pop3Command(command, [SequenceText.Utf8(reader.UnreadSequence)]);

        var arguments = new List<string>(2);
        while (!reader.End)
        {
            if (arguments.Count == MaxArguments) return null;
            if (!reader.TryReadTo(out ReadOnlySequence<byte> argument, SP))
            {
                argument = reader.UnreadSequence;
                reader.AdvanceToEnd();
            }
            arguments.Add(SequenceText.Utf8(argument));
            reader.AdvancePast(SP);
        }
        return new Pop3Command(command, [.. arguments]);
    }

    private static bool IsLetters(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
            if (!char.IsAsciiLetter((char)b)) return false;
        return true;
    }

    private static string? KnownCommand(ReadOnlySpan<byte> name)
    {
        foreach (var known in KnownCommands)
            if (Ascii.EqualsIgnoreCase(name, known)) return known;
        return null;
    }
}
