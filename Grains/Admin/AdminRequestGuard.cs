using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Grains.Admin;

/// <summary>
/// The one check in front of every admin endpoint and the dashboard (README "Admin API"):
/// <list type="number">
/// <item>a request a browser marks as coming from another site (<c>Sec-Fetch-Site: cross-site</c> or <c>same-site</c>,
/// or an <c>Origin</c> that is not this server's) is refused with 403, so a page the operator visits cannot make
/// their browser, which holds the Basic credentials, change anything (cross-site request forgery);</item>
/// <item>no or wrong credentials: 401 with the Basic challenge;</item>
/// <item>HTTP Basic (what a browser sends) may read only (GET, HEAD); a request that changes state needs
/// <c>Authorization: Bearer</c>, which a browser never adds by itself: 403.</item>
/// </list>
/// Every state-changing request and every refusal is logged with the caller's address, the method and the target
/// (path and query, which name what was changed: the login, the address, the upstream and its new mode).
/// </summary>
internal sealed partial class AdminRequestGuard(AdminCredentials credentials, ILogger<AdminRequestGuard> logger)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        var caller = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var target = request.GetEncodedPathAndQuery();

        if (CrossSite(request) is { } why)
        {
            LogRefused(request.Method, target, caller, why);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        var identified = credentials.Identify(request);
        if (identified == AdminCaller.Unknown)
        {
            LogRefused(request.Method, target, caller, "no valid admin token");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = AdminCredentials.Challenge;
            return;
        }

        var readOnly = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (!readOnly && identified != AdminCaller.Bearer)
        {
            LogRefused(request.Method, target, caller, "a state-changing request needs Authorization: Bearer");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new { error = "state-changing requests need Authorization: Bearer <Admin:Token>" });
            return;
        }

        await next();
        if (!readOnly) LogChanged(request.Method, target, caller, context.Response.StatusCode);
    }

    /// <summary>Why the browser's own headers say the request comes from another site; null when they do not.</summary>
    private static string? CrossSite(HttpRequest request)
    {
        // Fetch Metadata (W3C): the browser's verdict on who initiated the request; "none" is a typed URL or bookmark.
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || site.Equals("same-site", StringComparison.OrdinalIgnoreCase))
            return $"Sec-Fetch-Site: {site}";

        // RFC 6454 §7: browsers send Origin with every POST and with cross-origin requests; it must be this server.
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        var self = $"{request.Scheme}://{request.Host.Value}";
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals($"{uri.Scheme}://{uri.Authority}", self, StringComparison.OrdinalIgnoreCase)
            ? null
            : "Origin is another site";
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "admin: refused {Method} {Target} from {Caller}: {Reason}")]
    private partial void LogRefused(string method, string target, string caller, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "admin: {Method} {Target} from {Caller}, answered {Status}")]
    private partial void LogChanged(string method, string target, string caller, int status);
}
