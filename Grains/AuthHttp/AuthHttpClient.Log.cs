using Microsoft.Extensions.Logging;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// One line per decision, worded like nginx's so existing log alerts keep matching. Login and client IP come
/// from the scope. Passwords, digests and Auth-Pass are never passed to these methods.
/// </summary>
internal sealed partial class AuthHttpClient
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "client login allowed, upstream {UpstreamHost}:{UpstreamPort}")]
    private static partial void LogAllowed(ILogger logger, string? upstreamHost, int upstreamPort);

    // nginx: ngx_log_error(NGX_LOG_INFO, ..., "client login failed: \"%V\"", &ctx->errmsg)
    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "client login failed: \"{Message}\" (wait {WaitSeconds} s)")]
    private static partial void LogRefused(ILogger logger, string? message, double waitSeconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "auth http server asked to wait {WaitSeconds} s")]
    private static partial void LogWait(ILogger logger, double waitSeconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "auth http server {Server}: {Reason}")]
    private static partial void LogInternalError(ILogger logger, string server, string? reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "auth http request cancelled: the client went away")]
    private static partial void LogCancelled(ILogger logger);
}
