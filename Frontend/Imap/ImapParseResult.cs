namespace OrleansMail.Frontend.Imap;

/// <summary>The outcome of one <see cref="ImapCommandParser.Parse(in System.Buffers.ReadOnlySequence{byte}, int, int)"/> call.</summary>
/// <param name="Status">What was found.</param>
/// <param name="Command">The command, when <see cref="ImapParseStatus.Complete"/>.</param>
/// <param name="Consumed">How many bytes of the input to consume (0 unless Complete or Invalid).</param>
/// <param name="ReplyTag">The tag for an error reply: the client's tag when it was valid, else <c>*</c>.</param>
/// <param name="CloseAfterReply">
/// An invalid line that ends in a non-synchronising literal <c>{n+}</c>: its data is already on the way and would
/// otherwise be parsed as commands, so nginx replies and closes (src/mail/ngx_mail_imap_handler.c).
/// </param>
internal readonly record struct ImapParseResult(
    ImapParseStatus Status,
    ImapCommand? Command,
    int Consumed,
    string ReplyTag,
    bool CloseAfterReply)
{
    public static readonly ImapParseResult Incomplete = new(ImapParseStatus.Incomplete, null, 0, "*", false);
    public static readonly ImapParseResult NeedsContinuation = new(ImapParseStatus.NeedsContinuation, null, 0, "*", false);
    public static readonly ImapParseResult TooLong = new(ImapParseStatus.TooLong, null, 0, "*", true);
}
