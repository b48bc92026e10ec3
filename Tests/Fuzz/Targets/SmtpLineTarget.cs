using OrleansMail.Frontend.Smtp;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// SMTP command lines through <see cref="OrleansMail.Frontend.Connections.LineReader"/> and
/// <see cref="SmtpCommandParser"/>, as SmtpSession reads them (<see cref="LineSession"/> checks the line handling).
/// A parsed command has a name of letters, at most ten arguments without spaces, and no CR, LF or NUL anywhere
/// (RFC 5321 §2.3.8): what the proxy replays upstream (MAIL, RCPT, the HELO name in XCLIENT) must be one line.
/// </summary>
internal sealed class SmtpLineTarget : IFuzzTarget
{
    public string Name => "smtp";

    public void Run(ReadOnlyMemory<byte> input) => LineSession.Check(input, SmtpCommandParser.Parse, Describe, 48, "SmtpCommandParser");

    private static string Describe(SmtpCommand? command)
    {
        if (command is null) return "invalid";
        Invariant.That(command.Name.Length > 0 && command.Name.All(char.IsAsciiLetterUpper), $"SMTP command name {command.Name}");
        Invariant.That(command.Arguments.Count <= 10, "more than ten SMTP arguments");
        Invariant.That(command.Line.AsSpan().IndexOfAny('\r', '\n', '\0') < 0, "an SMTP line with CR, LF or NUL");
        Invariant.That((command.Line is not null) == (command.Name is "MAIL" or "RCPT"), "an SMTP line kept for a command that is not MAIL or RCPT");
        foreach (var argument in command.Arguments)
            Invariant.That(argument.Length > 0 && !argument.Contains(' '), "an empty SMTP argument, or one with a space");
        return $"{command.Name} [{string.Join("|", command.Arguments)}]";
    }
}
