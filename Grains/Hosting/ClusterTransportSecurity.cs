using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// Puts <see cref="ClusterTlsSettings"/> on an Orleans silo or client (Microsoft.Orleans.Connections.Security): every
/// connection, silo to silo and client to gateway, runs TLS 1.2/1.3; each side presents its certificate and requires
/// the other's, chaining to the cluster's CA. A peer without one, or with one from another CA, is cut at the
/// handshake, before any Orleans message: it can neither join nor call a grain. Host names are not checked: members
/// are addressed by IP addresses that change with every pod, and membership of the cluster is what the CA certifies.
/// </summary>
public static partial class ClusterTransportSecurity
{
    /// <summary>TLS on the silo's listeners (silo and gateway) and its outbound silo connections; or the Off warning.</summary>
    public static ISiloBuilder AddOrleansMailTransportSecurity(this ISiloBuilder silo, ClusterSettings settings)
    {
        if (settings.Tls.On) silo.UseTls(options => Configure(options, settings.Tls));
        else AddOffWarning(silo.Services, settings);
        return silo;
    }

    /// <summary>TLS on a Frontend's connections to the gateways; or the Off warning.</summary>
    public static IClientBuilder AddOrleansMailTransportSecurity(this IClientBuilder client, ClusterSettings settings)
    {
        if (settings.Tls.On) client.UseTls(options => Configure(options, settings.Tls));
        else AddOffWarning(client.Services, settings);
        return client;
    }

    private static void Configure(TlsOptions options, ClusterTlsSettings tls)
    {
        options.LocalCertificate = tls.Certificate;
        // Both directions: the server side requires the client's certificate, and the client side always sends its
        // own (Orleans' default for a client certificate is "allow", which silently sends none when unusable).
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // The platform's verdict (system roots, the name) is set aside: the cluster's CA alone decides.
        options.RemoteCertificateValidation = (certificate, chain, _) => tls.Ca!.Trusts(certificate, chain);
    }

    private static void AddOffWarning(IServiceCollection services, ClusterSettings settings)
    {
        if (settings.Mode == ClusterMode.Redis && settings.Tls.ExplicitlyOff)
            services.AddHostedService<TransportInClearWarning>();
    }

    /// <summary>One warning at start-up of a Redis-clustered process whose operator wrote <c>Cluster:Tls:Mode=Off</c>.</summary>
    private sealed partial class TransportInClearWarning(ILogger<TransportInClearWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogTransportInClear(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 5010, Level = LogLevel.Warning,
            Message = "cluster transport TLS is off (Cluster:Tls:Mode=Off): logins' passwords cross the network to the silos in clear, and anyone who reaches a silo or gateway port can call the grains")]
        private static partial void LogTransportInClear(ILogger logger);
    }
}
