using Microsoft.Extensions.Logging;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// One line per auth server answer, at debug level: the front end's session logs the decision in nginx's words
/// ("client login failed: …", with client, server and login), once per login, so log alerts count each attempt once.
/// Login and client IP come from the scope. Passwords, digests and Auth-Pass are never passed to these methods.
/// </summary>
internal sealed partial class AuthHttpClient
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "auth http server allowed the login, upstream {UpstreamHost}:{UpstreamPort}")]
    private static partial void LogAllowed(ILogger logger, string? upstreamHost, int upstreamPort);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "auth http server refused the login: \"{Message}\" (wait {WaitSeconds} s)")]
    private static partial void LogRefused(ILogger logger, string? message, double waitSeconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "auth http server asked to wait {WaitSeconds} s")]
    private static partial void LogWait(ILogger logger, double waitSeconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "auth http server {Server}: {Reason}")]
    private static partial void LogInternalError(ILogger logger, string server, string? reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "auth http request cancelled: the client went away")]
    private static partial void LogCancelled(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "auth http server sent an Auth-Error-SASL that is not base64 of at most {MaxLength} characters ({Length} characters): ignored")]
    private static partial void LogSaslErrorIgnored(ILogger logger, int length, int maxLength);
}
