using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Sessions;

/// <summary>Log lines of <see cref="MailSession"/>, worded as nginx's where nginx has one. Never a password.</summary>
internal abstract partial class MailSession
{
    [LoggerMessage(Level = LogLevel.Information, Message = "client logged in, login: \"{Login}\", upstream: {Upstream}")]
    protected partial void LogLoggedIn(string login, string upstream);

    [LoggerMessage(Level = LogLevel.Information, Message = "client login failed: \"{Reason}\", login: \"{Login}\"")]
    protected partial void LogLoginFailed(string login, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "client refused by a session limit: \"{Reason}\", login: \"{Login}\"")]
    protected partial void LogSessionLimit(string login, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "login decision failed for \"{Login}\": {Reason}")]
    protected partial void LogInternalError(string login, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "upstream {Upstream} login failed: {Reason}")]
    protected partial void LogUpstreamFailed(string upstream, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "upstream {Upstream} could not be reached ({Reason}); trying {Next} of its pool")]
    protected partial void LogUpstreamFailedOver(string upstream, string reason, string next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "upstream {Upstream} TLS refused: {Reason}")]
    protected partial void LogUpstreamTlsRefused(string upstream, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "client sent too long command")]
    protected partial void LogTooLong();

    [LoggerMessage(Level = LogLevel.Information, Message = "client sent too many invalid commands ({Errors})")]
    protected partial void LogTooManyErrors(int errors);

    [LoggerMessage(Level = LogLevel.Error, Message = "session failed")]
    protected partial void LogSessionFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session closed: {Reason}")]
    protected partial void LogClosed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSL handshake failed: {Reason}")]
    protected partial void LogTlsHandshakeFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reason}")]
    protected partial void LogClientCertificateRefused(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "discarded {Bytes} bytes the client pipelined after STARTTLS (CVE-2014-3556)")]
    protected partial void LogPlaintextDiscarded(long bytes);
}
