using System.Text;

namespace OrleansMail.Frontend.Imap;

/// <summary>How an argument was written: the forms RFC 9051 §4 allows before login.</summary>
internal enum ImapArgumentKind
{
    Atom,
    Quoted,
    Literal,
    List,
}

/// <summary>
/// One argument of an IMAP command, decoded: quoted strings unescaped, literals as their raw bytes.
/// <see cref="Items"/> holds the members of a parenthesised list (only ID uses one before login).
/// </summary>
internal sealed class ImapArgument(ImapArgumentKind kind, byte[] value, IReadOnlyList<ImapArgument>? items = null)
{
    public ImapArgumentKind Kind { get; } = kind;

    public byte[] Value { get; } = value;

    public IReadOnlyList<ImapArgument> Items { get; } = items ?? [];

    /// <summary>The atom <c>NIL</c> (RFC 9051 §4.5), which ID uses for "no parameters".</summary>
    public bool IsNil => Kind == ImapArgumentKind.Atom && Value.AsSpan().SequenceEqual("NIL"u8);

    public string Text => Encoding.UTF8.GetString(Value);

    /// <summary>Credentials may be secrets: never print the value.</summary>
    public override string ToString() => $"{Kind}[{Value.Length} bytes]";
}
