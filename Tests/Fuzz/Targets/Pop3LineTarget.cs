using OrleansMail.Frontend.Pop3;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// POP3 command lines through <see cref="OrleansMail.Frontend.Connections.LineReader"/> and
/// <see cref="Pop3CommandParser"/>, as Pop3Session reads them (<see cref="LineSession"/> checks the line handling).
/// A parsed command must be one nginx's parser knows, with at most three arguments, none holding a CR or LF.
/// </summary>
internal sealed class Pop3LineTarget : IFuzzTarget
{
    public string Name => "pop3";

    public void Run(ReadOnlyMemory<byte> input) => LineSession.Check(input, Pop3CommandParser.Parse, Describe, 48, "Pop3CommandParser");

    private static string Describe(Pop3Command? command)
    {
        if (command is null) return "invalid";
        Invariant.That(command.Name.Length == 4 && command.Name == command.Name.ToUpperInvariant(), $"POP3 command name {command.Name}");
        Invariant.That(command.Arguments.Length <= 3, "more than three POP3 arguments");
        foreach (var argument in command.Arguments)
            Invariant.That(argument.Length > 0 && argument.AsSpan().IndexOfAny('\r', '\n') < 0, "an empty POP3 argument, or one with CR/LF");
        return $"{command.Name} [{string.Join("|", command.Arguments)}]";
    }
}
