using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// What a process started with <c>-c</c> does besides serving: reports once the directives it accepted without
/// effect and the deprecation warnings, writes the <c>pid</c> file (removed at exit), and answers SIGHUP
/// (<c>-s reload</c>) by reading the configuration again.
/// <para>
/// Reload today validates: the new file is parsed and every setting checked, the result is logged, and an invalid
/// file is refused with its file:line while the running configuration keeps serving. Applying the new settings to
/// the running listeners is not implemented yet: a valid change takes effect at the next restart. Established
/// sessions are never touched by a reload.
/// </para>
/// </summary>
public sealed partial class NginxProcessLifetime(NginxConfiguration configuration, ILogger<NginxProcessLifetime> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _hangup;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var mapped = configuration.Mapped;
        if (mapped.NotForMail.Count > 0)
            LogNotForMail(logger, configuration.File, string.Join(", ", mapped.NotForMail));
        foreach (var warning in mapped.Warnings) LogWarning(logger, warning);

        if (mapped.PidFile is { } pidFile)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(pidFile) ?? ".");
            File.WriteAllText(pidFile, Environment.ProcessId + "\n");
        }
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP's default action ends the process; nginx reloads instead.
            _ = Task.Run(Reload, CancellationToken.None);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        RemovePidFile();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _hangup?.Dispose();
        RemovePidFile();
    }

    private void RemovePidFile()
    {
        // Only our own: a newer process may have written its pid there since.
        if (configuration.Mapped.PidFile is { } pidFile && File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() == Environment.ProcessId.ToString())
            File.Delete(pidFile);
    }

    private void Reload()
    {
        try
        {
            var next = NginxConfiguration.Load(configuration.Command);
            var servers = next.ReadServers();
            LogReloadValid(logger, next.File, servers.Count);
        }
        catch (Exception e) when (e is NginxConfigurationException or Grains.Hosting.InvalidConfigurationException)
        {
            LogReloadRefused(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: nginx directives with no effect on a mail proxy, accepted and ignored: {Names}")]
    private static partial void LogNotForMail(ILogger logger, string file, string names);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reload: the configuration file {File} is valid ({Count} listeners); it takes effect at the next restart (live reload is not implemented yet); the running configuration is unchanged")]
    private static partial void LogReloadValid(ILogger logger, string file, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "reload refused, the running configuration is unchanged: {Error}")]
    private static partial void LogReloadRefused(ILogger logger, string error);
}
