using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// The StackExchange.Redis options of <c>Cluster:Redis</c>, for membership, the gateway list and grain state alike:
/// the connection string as written (<c>ssl=true,password=…</c> for a Redis over TLS with a password), and with
/// <c>Cluster:RedisTlsCa</c> the server's certificate must chain to that private CA instead of the system's roots
/// (its name is still checked against the host of the connection string). Built anew for each user, since the options
/// carry the validation callback.
/// </summary>
public static partial class RedisOptions
{
    public static ConfigurationOptions Create(ClusterSettings settings, ILoggerFactory loggers)
    {
        var options = ConfigurationOptions.Parse(settings.Redis!);
        if (settings.RedisTlsCa is { } ca)
        {
            var logger = loggers.CreateLogger(typeof(RedisOptions).FullName!);
            options.CertificateValidation += (_, certificate, chain, errors) => Trusted(ca, certificate, chain, errors, logger);
        }
        return options;
    }

    private static bool Trusted(PrivateCa ca, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, ILogger logger)
    {
        string reason;
        if (certificate is null) reason = "the server sent no certificate";
        else if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) reason = "its name does not match the host of Cluster:Redis";
        else if (certificate is X509Certificate2 presented && ca.Trusts(presented, chain)) return true;
        else reason = "it does not chain to Cluster:RedisTlsCa";
        LogRefused(logger, certificate?.Subject ?? "-", reason);
        return false;
    }

    [LoggerMessage(EventId = 5011, Level = LogLevel.Error, Message = "Redis server certificate \"{Subject}\" refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string subject, string reason);
}
