using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// A mail listener's own Kestrel server whose metrics (meter <c>Microsoft.AspNetCore.Server.Kestrel</c>:
/// kestrel.active_connections, kestrel.connection.duration, kestrel.queued_connections, kestrel.rejected_connections)
/// reach the host's IMeterFactory, hence its exporters. Kestrel's public <see cref="KestrelServer"/> constructor gives
/// its server a private dummy meter factory (dotnet/aspnetcore src/Servers/Kestrel/Core/src/KestrelServer.cs), so the
/// server is made here the way the host makes its own (<c>UseKestrelCore</c> registers the same implementation,
/// KestrelServerImpl, with the host's KestrelMetrics), from the host's services. Should a framework version no longer
/// have that constructor, the listener still starts, with the public server and a warning that its Kestrel metrics are off.
/// </summary>
internal static partial class MeteredKestrelServer
{
    private static readonly Type? Implementation =
        typeof(KestrelServer).Assembly.GetType("Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerImpl");

    public static IServer Create(IServiceProvider services, KestrelServerOptions options, IConnectionListenerFactory transport, ILoggerFactory loggers)
    {
        if (Implementation is not null)
        {
            try
            {
                // The options and this listener's transport are given; the rest (KestrelMetrics among them) comes from the host.
                return (IServer)ActivatorUtilities.CreateInstance(services, Implementation, Options.Create(options), new[] { transport });
            }
            catch (InvalidOperationException e)
            {
                LogUnmetered(loggers.CreateLogger(typeof(MeteredKestrelServer)), e.Message);
            }
        }
        return new KestrelServer(Options.Create(options), transport, loggers);
    }

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Kestrel's own metrics are off for the mail listeners: {Reason}")]
    private static partial void LogUnmetered(ILogger logger, string reason);
}
