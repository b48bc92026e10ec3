using Microsoft.Extensions.Logging;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// <c>Cluster:AllowedAuthServers</c>: the front end names the auth server in every <see cref="LoginAttempt"/> (each
/// server{} may have its own auth_http), so a compromised front end that still holds a cluster certificate could
/// send the grains' requests, with the users' passwords, to a server of its choosing. With a list configured, the
/// login grain refuses an attempt naming any other URL before anything is asked: the temporary-failure decision, and
/// one warning line naming the server (scheme, host and port only).
/// </summary>
internal sealed partial class AuthServerAllowList(IReadOnlyList<string> allowedUrls, ILogger<AuthServerAllowList> logger)
{
    private readonly HashSet<string> _allowed = allowedUrls
        .Select(url => AuthServerUrl.TryNormalize(url, out var normalized) ? normalized : url)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Null when the attempt may be decided; else the decision refusing it (already logged).</summary>
    public LoginDecision? Refusal(LoginAttempt attempt)
    {
        if (_allowed.Count == 0) return null;
        if (AuthServerUrl.TryNormalize(attempt.AuthServer.Url, out var url) && _allowed.Contains(url)) return null;
        LogRefused(logger, AuthHttpClient.SafeServer(attempt.AuthServer.Url));
        return LoginDecision.InternalError("auth_http URL not in Cluster:AllowedAuthServers");
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "login attempt refused: its auth_http server {Server} is not in Cluster:AllowedAuthServers")]
    private static partial void LogRefused(ILogger logger, string server);
}
