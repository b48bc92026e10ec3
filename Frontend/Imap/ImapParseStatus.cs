namespace OrleansMail.Frontend.Imap;

/// <summary>What <see cref="ImapCommandParser"/> found at the start of the client's input.</summary>
internal enum ImapParseStatus
{
    /// <summary>Not a whole command yet: nothing is consumed; read more and parse again.</summary>
    Incomplete,

    /// <summary>A whole command; its bytes are consumed.</summary>
    Complete,

    /// <summary>
    /// A synchronising literal <c>{n}</c> was announced and its data has not arrived: the client waits for
    /// <c>+ OK</c> before sending it (RFC 9051 §4.3). Nothing is consumed.
    /// </summary>
    NeedsContinuation,

    /// <summary>A malformed line; consumed through its end. Reply <c>BAD invalid command</c>.</summary>
    Invalid,

    /// <summary>The command cannot fit <c>imap_client_buffer</c>: reply, then close (nginx: "client sent too long command").</summary>
    TooLong,
}
