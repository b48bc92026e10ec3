using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Imap;

/// <summary>Log lines of <see cref="ImapSession"/>, worded as nginx's where nginx has one. Never a password.</summary>
internal sealed partial class ImapSession
{
    [LoggerMessage(Level = LogLevel.Information, Message = "client logged in, login: \"{Login}\", upstream: {Upstream}")]
    private partial void LogLoggedIn(string login, string upstream);

    [LoggerMessage(Level = LogLevel.Information, Message = "client login failed: \"{Reason}\", login: \"{Login}\"")]
    private partial void LogLoginFailed(string login, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "login decision failed for \"{Login}\": {Reason}")]
    private partial void LogInternalError(string login, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "upstream {Upstream} login failed: {Reason}")]
    private partial void LogUpstreamFailed(string upstream, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "client sent too long command")]
    private partial void LogTooLong();

    [LoggerMessage(Level = LogLevel.Information, Message = "client sent too many invalid commands ({Errors})")]
    private partial void LogTooManyErrors(int errors);

    [LoggerMessage(Level = LogLevel.Error, Message = "session failed")]
    private partial void LogSessionFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session closed: {Reason}")]
    private partial void LogClosed(string reason);
}
