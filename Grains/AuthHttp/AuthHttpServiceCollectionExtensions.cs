using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>Registers what silos need to ask auth servers: call <c>services.AddAuthHttpClient()</c> in silo hosting.</summary>
public static class AuthHttpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the auth_http client (a named <see cref="HttpClient"/> over a <see cref="SocketsHttpHandler"/> tuned
    /// to nginx's limits), its <see cref="GrainMetrics"/>, and <see cref="TimeProvider.System"/> unless a TimeProvider is already registered.
    /// Idempotent enough to call twice.
    /// </summary>
    public static IServiceCollection AddAuthHttpClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new Hosting.UpstreamPoolSettings());
        services.AddGrainMetrics();
        services.TryAddSingleton<AuthHttpClient>();
        services.AddHttpClient(AuthHttpClient.HttpClientName, client =>
            {
                // The deadline is per attempt (AuthHttpEndpoint.Timeout), enforced by AuthHttpClient.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestVersion = HttpVersion.Version11;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Logins and passwords are UTF-8 bytes on the wire, raw (src/mail/ngx_mail_auth_http_module.c); .NET would refuse them as Latin-1/ASCII.
                RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
                ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8,
                // nginx reads the reply headers into one 1024-byte buffer (src/mail/ngx_mail_auth_http_module.c,
                // ngx_mail_auth_http_read_handler); this limit is in KB.
                MaxResponseHeadersLength = 1,
                // The body is ignored: drain at most a little to keep the connection, else drop it.
                MaxResponseDrainSize = 4096,
                ResponseDrainTimeout = TimeSpan.FromSeconds(1),
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            })
            // The factory's default loggers would log URLs and (at Trace) headers; AuthHttpClient logs what is safe.
            .RemoveAllLoggers();
        return services;
    }
}
