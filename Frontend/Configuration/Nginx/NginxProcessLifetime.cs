using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// What a process started with <c>-c</c> does besides serving: reports once the directives it accepted without
/// effect and the deprecation warnings, and writes the <c>pid</c> file (removed at exit) through which <c>-s</c> finds it.
/// <para>
/// The pid file means "ready", as nginx's does (src/core/nginx.c writes it after ngx_init_cycle has opened every
/// listening socket): it is written in <see cref="StartedAsync"/>, which the host calls once every hosted service has
/// started — the embedded silo or the cluster client connected, and every mail listener accepting. A supervisor that
/// waits for the file (systemd's PIDFile=) and then connects gets the greeting.
/// </para>
/// <para>
/// SIGHUP (<c>-s reload</c>) is answered for either configuration source by
/// <see cref="Hosting.ConfigurationReload"/>: the file is read again; an invalid one is refused with its file:line
/// and the running configuration keeps serving; a valid one opens new listeners, closes removed ones, and gives
/// changed settings to new connections, while established sessions continue untouched. The pid file and error_log
/// read here at start change only at a restart.
/// </para>
/// </summary>
public sealed partial class NginxProcessLifetime(NginxConfiguration configuration, ILogger<NginxProcessLifetime> logger) : IHostedLifecycleService, IDisposable
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var mapped = configuration.Mapped;
        if (mapped.NotForMail.Count > 0)
            LogNotForMail(logger, configuration.File, string.Join(", ", mapped.NotForMail));
        foreach (var warning in mapped.Warnings) LogWarning(logger, warning);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (configuration.Mapped.PidFile is { } pidFile)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(pidFile) ?? ".");
            // Written whole under another name and renamed: a reader never sees an empty or partial file.
            var partial = pidFile + ".partial";
            File.WriteAllText(partial, Environment.ProcessId + "\n");
            File.Move(partial, pidFile, overwrite: true);
        }
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Once the sessions have drained and the cluster has stopped, as nginx's master removes it at exit.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        RemovePidFile();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        RemovePidFile();
    }

    private void RemovePidFile()
    {
        // Only our own: a newer process may have written its pid there since.
        if (configuration.Mapped.PidFile is { } pidFile && File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() == Environment.ProcessId.ToString())
            File.Delete(pidFile);
    }

    [LoggerMessage(EventId = 2060, Level = LogLevel.Warning, Message = "{File}: nginx directives with no effect on a mail proxy, accepted and ignored: {Names}")]
    private static partial void LogNotForMail(ILogger logger, string file, string names);

    [LoggerMessage(EventId = 2061, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);
}
