namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// One parsed directive: its name, its arguments (quotes and escapes resolved), where it was read, and its block's
/// directives when it ended with <c>{ … }</c> rather than <c>;</c> (null then). <c>include</c> is already replaced by the
/// directives of the files it named.
/// </summary>
public sealed record NginxDirectiveNode(string Name, IReadOnlyList<string> Arguments, NginxSourceLocation Location, IReadOnlyList<NginxDirectiveNode>? Block)
{
    public bool IsBlock => Block is not null;
}
