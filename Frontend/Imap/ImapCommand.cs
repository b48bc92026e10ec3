namespace OrleansMail.Frontend.Imap;

/// <summary>A complete IMAP command line: tag, upper-cased command name and its arguments.</summary>
internal sealed class ImapCommand(string tag, string name, IReadOnlyList<ImapArgument> arguments)
{
    public string Tag { get; } = tag;

    public string Name { get; } = name;

    public IReadOnlyList<ImapArgument> Arguments { get; } = arguments;

    public override string ToString() => $"{Tag} {Name} ({Arguments.Count} arguments)";
}
