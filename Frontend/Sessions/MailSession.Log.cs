using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Sessions;

/// <summary>
/// Log lines of <see cref="MailSession"/>, in nginx's words and at nginx's levels where nginx has the event
/// (src/mail/ngx_mail_handler.c, ngx_mail_auth_http_module.c, ngx_mail_proxy_module.c), each with a fixed EventId
/// (README "Logging" lists them). The session's <see cref="Logging.MailLogContext"/> scope adds the connection number,
/// client, server, login and upstream. Client-supplied values are escaped (<see cref="Grains.Logging.LogValue"/>)
/// before they get here; never a password.
/// </summary>
internal abstract partial class MailSession
{
    [LoggerMessage(EventId = Logging.MailLogContext.ConnectedEventId, Level = LogLevel.Information, Message = "*{ConnectionNumber} client {ClientAddress} connected to {Server}")]
    protected partial void LogConnected(long connectionNumber, string clientAddress, string server);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "client logged in")]
    protected partial void LogLoggedIn();

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "client login failed: \"{Reason}\" while in http auth state")]
    protected partial void LogLoginFailed(string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "client login refused by a session limit: \"{Reason}\" while in http auth state")]
    protected partial void LogSessionLimit(string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "login decision failed: {Reason} while in http auth state")]
    protected partial void LogInternalError(string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "connect() to {Upstream} failed ({Reason}) while connecting to upstream")]
    protected partial void LogUpstreamConnectFailed(string upstream, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "upstream {Upstream} could not be reached ({Reason}); trying {Next} of its pool")]
    protected partial void LogUpstreamFailedOver(string upstream, string reason, string next);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "upstream {Upstream} TLS refused: {Reason}")]
    protected partial void LogUpstreamTlsRefused(string upstream, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "upstream timed out (110: Connection timed out) while reading response from upstream")]
    protected partial void LogUpstreamTimedOut();

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "upstream sent invalid response: \"{Reply}\" while reading response from upstream")]
    protected partial void LogUpstreamInvalidResponse(string reply);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "upstream prematurely closed connection ({Reason}) while reading response from upstream")]
    protected partial void LogUpstreamClosed(string reason);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Error, Message = "cannot log in to upstream: {Reason} while reading response from upstream")]
    private partial void LogUpstreamLoginImpossible(string reason);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "client sent too long command")]
    protected partial void LogTooLong();

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "client sent too many invalid commands while in auth state")]
    protected partial void LogTooManyErrors();

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "client timed out (110: Connection timed out) while in auth state")]
    protected partial void LogClientTimedOut();

    [LoggerMessage(EventId = 1015, Level = LogLevel.Debug, Message = "client closed connection ({Reason}) while in auth state")]
    protected partial void LogClientClosed(string reason);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Information, Message = "proxied session done")]
    protected partial void LogProxiedSessionDone();

    [LoggerMessage(EventId = 1017, Level = LogLevel.Error, Message = "session failed")]
    protected partial void LogSessionFailed(Exception exception);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Information, Message = "SSL handshake failed: {Reason} while SSL handshaking")]
    protected partial void LogTlsHandshakeFailed(string reason);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Information, Message = "{Reason}")]
    protected partial void LogClientCertificateRefused(string reason);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "discarded {Bytes} bytes the client pipelined after STARTTLS (CVE-2014-3556)")]
    protected partial void LogPlaintextDiscarded(long bytes);

    /// <summary>
    /// The one line every session ends with, relayed or not (README "Logging"): what an operator greps for a session.
    /// The byte counts are nginx's stream-proxy wording (src/stream/ngx_stream_proxy_module.c, "bytes from/to client");
    /// they count what was relayed after login. The scope adds the client's address, the server, the login (escaped)
    /// and the upstream, as on every session line; never a password.
    /// </summary>
    [LoggerMessage(EventId = SessionClosedEventId, Level = LogLevel.Information,
        Message = "{Protocol} session closed ({End}) after {Duration:0.000}s, client {ClientAddress}, {Tls}, bytes from/to client:{BytesFromClient}/{BytesToClient}")]
    private partial void LogSessionClosed(string protocol, string end, double duration, string clientAddress, string tls, long bytesFromClient, long bytesToClient);

    /// <summary>The EventId of <see cref="LogSessionClosed"/>.</summary>
    public const int SessionClosedEventId = 1021;
}
