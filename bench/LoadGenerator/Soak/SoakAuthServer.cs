using System.Globalization;
using Microsoft.AspNetCore.Builder;

namespace OrleansMail.Bench.Soak;

/// <summary>
/// The soak's auth_http server (src/mail/ngx_mail_auth_http_module.c's protocol, README "The auth_http protocol"): OK for
/// a <see cref="SoakUsers"/> account with its right password, <c>Invalid login or password</c> otherwise. IMAP and
/// POP3 answers name no upstream, so the login grains place the user in the Dovecot pool (README "UpstreamPools");
/// SMTP answers name the private Postfix. Every answer is appended to the answer log, one line each:
/// <c>unix-ms TAB protocol TAB user TAB secret-hash TAB OK|NO TAB client-ip</c> (the secret as
/// <see cref="SoakUsers.SecretHash"/>, never itself), which the soak compares with what its clients saw.
/// </summary>
internal static class SoakAuthServer
{
    public static async Task<int> RunAsync(int port, int smtpUpstreamPort, string answerLog, int maxSeconds)
    {
        var app = AuthServer.LoopbackApp(port);
        var smtpPort = smtpUpstreamPort.ToString(CultureInfo.InvariantCulture);
        await using var log = new StreamWriter(answerLog, append: true) { AutoFlush = true };
        var gate = new Lock();

        app.Run(context =>
        {
            var request = context.Request;
            var headers = context.Response.Headers;
            // nginx escapes Auth-User and Auth-Pass (URL encoding); the soak's secrets are plain, but decode as nginx's peers do.
            var user = Uri.UnescapeDataString(request.Headers["Auth-User"].ToString());
            var pass = Uri.UnescapeDataString(request.Headers["Auth-Pass"].ToString());
            var protocol = request.Headers["Auth-Protocol"].ToString();
            var ok = SoakUsers.IsRight(user, pass);
            if (ok)
            {
                headers["Auth-Status"] = "OK";
                if (protocol == "smtp")
                {
                    headers["Auth-Server"] = "127.0.0.1";
                    headers["Auth-Port"] = smtpPort;
                }
            }
            else
            {
                headers["Auth-Status"] = "Invalid login or password";
                headers["Auth-Wait"] = "0";
            }
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}\t{protocol}\t{user}\t{SoakUsers.SecretHash(user, pass)}\t{(ok ? "OK" : "NO")}\t{request.Headers["Client-IP"]}");
            lock (gate) log.WriteLine(line);
            context.Response.ContentLength = 0;
            return Task.CompletedTask;
        });

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
        await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, limit.Token);
        return 0;
    }
}
