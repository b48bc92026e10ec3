using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Bench;

/// <summary>
/// The auth_http server both proxies share (src/mail/ngx_mail_auth_http_module.c): <c>Auth-Status: OK</c> with the upstream's address for
/// a bench user (<c>bench*</c>; <c>idle*</c> go to the second Dovecot that holds the idle sessions) with the bench
/// password, <c>Invalid login or password</c> otherwise. The upstream follows <c>Auth-Protocol</c>: Dovecot's IMAP or
/// POP3 port, Postfix's smtpd port. A bearer login (Auth-Method <c>oauthbearer</c> / <c>xoauth2</c>) is OK when
/// Auth-Pass is the user's <see cref="BearerTokens"/> token. It is also the OAuth 2.0 introspection endpoint (RFC 7662)
/// Dovecot's oauth2 passdb asks (<c>POST /introspect</c>, <c>token=…</c>): <c>{"active":true,"username":"benchN"}</c> for a
/// bench token. Kestrel with a single terminal delegate, no routing, no logging, so it stays cheap next to the proxies.
/// <c>GET /stats</c> returns how many login decisions it made (the runner checks that every proxied login was decided
/// here), how many it refused and how many tokens it introspected.
/// </summary>
internal static class AuthServer
{
    private static long s_decisions;
    private static long s_refusals;
    private static long s_introspections;

    public static async Task<int> RunAsync(int port, int upstreamPort, int idleUpstreamPort, int pop3UpstreamPort, int smtpUpstreamPort, string password,
        int tokenBytes, int maxSeconds)
    {
        var app = LoopbackApp(port);
        var upstreamPortText = upstreamPort.ToString(CultureInfo.InvariantCulture);
        var idleUpstreamPortText = (idleUpstreamPort > 0 ? idleUpstreamPort : upstreamPort).ToString(CultureInfo.InvariantCulture);
        var pop3UpstreamPortText = pop3UpstreamPort.ToString(CultureInfo.InvariantCulture);
        var smtpUpstreamPortText = smtpUpstreamPort.ToString(CultureInfo.InvariantCulture);

        app.Run(context =>
        {
            var request = context.Request;
            var response = context.Response;
            if (request.Path.StartsWithSegments("/stats"))
            {
                response.ContentType = "text/plain";
                return response.WriteAsync(
                    string.Create(CultureInfo.InvariantCulture,
                        $"{Interlocked.Read(ref s_decisions)} {Interlocked.Read(ref s_refusals)} {Interlocked.Read(ref s_introspections)}\n"));
            }
            if (request.Path.StartsWithSegments("/introspect"))
            {
                Interlocked.Increment(ref s_introspections);
                return IntrospectAsync(context, tokenBytes);
            }

            Interlocked.Increment(ref s_decisions);
            var user = request.Headers["Auth-User"].ToString();
            var pass = request.Headers["Auth-Pass"].ToString();
            var headers = response.Headers;
            var bench = user.StartsWith("bench", StringComparison.Ordinal);
            // nginx escapes Auth-Pass; a bench token's characters are all unreserved, so it arrives as it is.
            var valid = request.Headers["Auth-Method"].ToString() is "oauthbearer" or "xoauth2"
                ? bench && BearerTokens.UserOf(pass, tokenBytes) == user
                : pass == password;
            if ((bench || user.StartsWith("idle", StringComparison.Ordinal)) && valid)
            {
                headers["Auth-Status"] = "OK";
                headers["Auth-Server"] = "127.0.0.1";
                headers["Auth-Port"] = request.Headers["Auth-Protocol"].ToString() switch
                {
                    "pop3" => pop3UpstreamPortText,
                    "smtp" => smtpUpstreamPortText,
                    _ => bench ? upstreamPortText : idleUpstreamPortText,
                };
            }
            else
            {
                Interlocked.Increment(ref s_refusals);
                headers["Auth-Status"] = "Invalid login or password";
                headers["Auth-Wait"] = "0";
            }
            response.ContentLength = 0;
            return Task.CompletedTask;
        });

        // Bounded in time like everything else in the benchmark: run.sh stops it, and it stops itself anyway.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
        await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, limit.Token);
        return 0;
    }

    /// <summary>A Kestrel app on 127.0.0.1:<paramref name="port"/>, no logging, no Server header: the bench's auth servers.</summary>
    public static WebApplication LoopbackApp(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
        });
        return builder.Build();
    }

    /// <summary>RFC 7662 §2: the form's <c>token</c>; active with the user's name for a bench token (Dovecot's <c>username_attribute</c>).</summary>
    private static async Task IntrospectAsync(HttpContext context, int tokenBytes)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var user = BearerTokens.UserOf(form["token"].ToString(), tokenBytes);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(user is null ? """{"active":false}""" : $$"""{"active":true,"username":"{{user}}"}""", context.RequestAborted);
    }

    /// <summary>Reads (decisions, refusals) from a running auth server.</summary>
    public static async Task<(long Decisions, long Refusals)> ReadStatsAsync(HttpClient http, int port)
    {
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/stats"));
        var parts = text.Trim().Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
