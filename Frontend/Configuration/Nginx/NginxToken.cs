namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>What the tokenizer read: a word (quotes and escapes resolved), or one of nginx's three separators.</summary>
public enum NginxTokenKind
{
    Word,
    /// <summary><c>;</c>: ends a directive.</summary>
    Semicolon,
    /// <summary><c>{</c>: the directive's words so far open a block.</summary>
    BlockStart,
    /// <summary><c>}</c>: closes the current block.</summary>
    BlockEnd,
}

/// <summary>One token and the line it started on.</summary>
public readonly record struct NginxToken(NginxTokenKind Kind, string Text, int Line);
