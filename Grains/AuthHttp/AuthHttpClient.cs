using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Logging;
using OrleansMail.Grains.Telemetry;
using Error = OrleansMail.Grains.Telemetry.TelemetryLabels.AuthHttpError;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// Asks the auth server about one attempt and turns the reply into a <see cref="LoginDecision"/>
/// (nginx's <c>ngx_mail_auth_http_module</c>). Never throws for anything the network or the auth server does:
/// a transport error or timeout is <see cref="LoginOutcome.TemporaryFailure"/> (the temporary-failure reply), a reply that
/// makes no sense is <see cref="LoginOutcome.InternalError"/>, nginx's "internal server error" (where
/// src/mail/ngx_mail_auth_http_module.c calls ngx_mail_session_internal_server_error).
/// </summary>
/// <remarks>
/// Each answer is measured (<c>orleansmail.auth_http.duration</c>, <c>orleansmail.auth_http.errors</c>), except a
/// request cancelled because the client went away: that says nothing about the auth server.
/// </remarks>
internal sealed partial class AuthHttpClient(
    IHttpClientFactory httpClientFactory, ILogger<AuthHttpClient> logger, Hosting.UpstreamPoolSettings pools, GrainMetrics metrics)
{
    /// <summary>The name of the <see cref="HttpClient"/> registered by <see cref="AuthHttpServiceCollectionExtensions.AddAuthHttpClient"/>.</summary>
    public const string HttpClientName = "OrleansMail.AuthHttp";

    /// <summary>Sends the attempt to <see cref="LoginAttempt.AuthServer"/> and decides; logs one line per decision.</summary>
    public async Task<LoginDecision> DecideAsync(LoginAttempt attempt, CancellationToken cancellationToken = default) =>
        (await AnswerAsync(attempt, cancellationToken)).Decision;

    /// <summary>As <see cref="DecideAsync"/>, with the reply's <c>Auth-Cache-TTL</c> for the login cache.</summary>
    public async Task<AuthHttpAnswer> AnswerAsync(LoginAttempt attempt, CancellationToken cancellationToken = default)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["Login"] = LogValue.Escape(attempt.Login),
            ["ClientIp"] = attempt.ClientIp,
            ["LoginAttempt"] = attempt.AttemptNumber,
        });

        // Real elapsed time, not the injected TimeProvider: this measures the auth server.
        var started = Stopwatch.GetTimestamp();
        var answer = await AskAsync(attempt, cancellationToken);
        if (cancellationToken.IsCancellationRequested)
        {
            // The client went away while the auth server was thinking: nothing is wrong with the auth server, and an
            // error-level line per vanished client would let anyone flood the error log.
            LogCancelled(logger);
            return answer;
        }

        metrics.AuthHttpAnswered(attempt.Protocol, Result(answer), answer.ErrorType, Stopwatch.GetElapsedTime(started));
        LogDecision(attempt, answer.Decision);
        return answer;
    }

    /// <summary>
    /// The named client, made again once <see cref="ClientLifetime"/> has passed: IHttpClientFactory's own handler
    /// lifetime (2 minutes by default), so its handler rotation still takes effect, without making an HttpClient
    /// (and its CancellationTokenSource) for every login. An HttpClient is safe to share between concurrent requests.
    /// </summary>
    private HttpClient Client()
    {
        var now = Environment.TickCount64;
        if (_client is { } current && now - current.CreatedAt < ClientLifetime) return current.Http;
        var made = new CachedClient(httpClientFactory.CreateClient(HttpClientName), now);
        _client = made;
        return made.Http;
    }

    private const long ClientLifetime = 2 * 60 * 1000;

    private CachedClient? _client;

    private sealed record CachedClient(HttpClient Http, long CreatedAt);

    private static string Result(AuthHttpAnswer answer) => answer.ErrorType is not null ? TelemetryLabels.AuthHttpResult.Error
        : answer.Decision.Outcome switch
        {
            LoginOutcome.Allowed => TelemetryLabels.AuthHttpResult.Ok,
            LoginOutcome.Refused => TelemetryLabels.AuthHttpResult.Refused,
            LoginOutcome.RetryLater => TelemetryLabels.AuthHttpResult.Wait,
            _ => TelemetryLabels.AuthHttpResult.Error,
        };

    private async Task<AuthHttpAnswer> AskAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        HttpRequestMessage request;
        try
        {
            request = AuthHttpRequest.Create(attempt);
        }
        catch (FormatException e)
        {
            return new AuthHttpAnswer(LoginDecision.InternalError(e.Message), null, Error.Other);
        }

        // auth_http_timeout is one total deadline: nginx arms the read timer at connect and never re-arms it
        // (src/mail/ngx_mail_auth_http_module.c, ngx_mail_auth_http_init).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(attempt.AuthServer.Timeout);
        try
        {
            using (request)
            {
                var http = Client();
                // Headers only: the status code is ignored (src/mail/ngx_mail_auth_http_module.c skips the status line)
                // and the body is never read; disposing the response lets the handler drain a small body
                // (MaxResponseDrainSize) or drop the connection.
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                var parsed = AuthHttpResponseParser.Parse(response);
                if (attempt.Method.IsBearerToken() && parsed.SaslError is { } saslError && !AuthHttpSaslError.IsValid(saslError))
                {
                    // The decision ignores it; the operator learns why the client got no error exchange.
                    LogSaslErrorIgnored(logger, saslError.Length, AuthHttpSaslError.MaxLength);
                }

                var cacheTtl = parsed.CacheTtlSeconds is int seconds ? AuthHttpLimits.CacheTtl(seconds) : (TimeSpan?)null;
                var decision = AuthHttpDecision.Decide(attempt, parsed, pools.Pool(attempt.Protocol).Count > 0);
                // A reply nginx cannot use: a web server's error page (no Auth-Status) is told apart by its status.
                var error = decision.Outcome != LoginOutcome.InternalError ? null
                    : response.IsSuccessStatusCode ? Error.Malformed : Error.HttpStatus;
                return new AuthHttpAnswer(decision, cacheTtl, error);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AuthHttpAnswer(LoginDecision.TemporaryFailure("auth http server timed out"), null, Error.Timeout);
        }
        catch (OperationCanceledException)
        {
            return LoginDecision.TemporaryFailure("auth http request cancelled");
        }
        catch (Exception e)
        {
            // Connection refused, reset, garbage instead of HTTP, headers over the 1 KB limit, bad header bytes...
            // Only the type is kept: messages may quote reply headers, which can carry Auth-Pass.
            var reason = "auth http server error: " + e.GetType().Name;
            return IsUnreachable(e)
                ? new AuthHttpAnswer(LoginDecision.TemporaryFailure(reason), null, Error.Connect)
                : new AuthHttpAnswer(LoginDecision.InternalError(reason), null, ErrorType(e));
        }
    }

    /// <summary>The kind of a failure that is not <see cref="IsUnreachable"/>, for <c>orleansmail.auth_http.errors</c>.</summary>
    private static string ErrorType(Exception e) => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded } => Error.TooLarge,
        HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded } => Error.Malformed,
        _ => Error.Other,
    };

    /// <summary>
    /// The auth server could not be reached (nothing listening, reset, name or TLS failure): a temporary failure the
    /// client may retry. A server that answered garbage stays nginx's internal error: retrying will not help.
    /// </summary>
    private static bool IsUnreachable(Exception e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError }
        || e.InnerException is System.Net.Sockets.SocketException;

    private void LogDecision(LoginAttempt attempt, LoginDecision decision)
    {
        switch (decision.Outcome)
        {
            case LoginOutcome.Allowed:
                LogAllowed(logger, decision.UpstreamHost, decision.UpstreamPort);
                break;
            case LoginOutcome.Refused:
                LogRefused(logger, LogValue.Escape(decision.Message), decision.Wait?.TotalSeconds ?? 0);
                break;
            case LoginOutcome.RetryLater:
                LogWait(logger, decision.Wait?.TotalSeconds ?? 0);
                break;
            default:
                // The server is named only here: working it out for every login cost a URL parse and a string.
                LogInternalError(logger, SafeServer(attempt.AuthServer.Url), LogValue.Escape(decision.Message));
                break;
        }
    }

    /// <summary>Only scheme, host and port: an auth_http URL may carry user info, which is a secret.</summary>
    internal static string SafeServer(string url)
    {
        try
        {
            var uri = AuthHttpRequest.ParseUrl(url);
            return $"{uri.Scheme}://{uri.Authority}";
        }
        catch (FormatException)
        {
            return "(invalid auth_http URL)";
        }
    }
}
