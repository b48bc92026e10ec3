namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>The outcome of looking for a PROXY header at the start of a buffer.</summary>
internal enum ProxyHeaderStatus
{
    /// <summary>What arrived so far is a valid beginning; nothing was consumed.</summary>
    Incomplete,

    /// <summary>A whole header; it ends at the returned position.</summary>
    Complete,

    /// <summary>Not a PROXY header, or a malformed one: the connection is closed without a word (nginx).</summary>
    Invalid,
}
