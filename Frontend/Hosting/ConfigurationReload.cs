using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// SIGHUP (nginx's <c>-s reload</c>, or <c>kill -HUP</c>, or systemd's ExecReload) reads the configuration again and
/// applies it without dropping a session, as nginx's reload does (nginx.org/en/docs/mail/):
/// <list type="bullet">
/// <item>an invalid configuration (a syntax error, a bad value, a certificate that does not load, an address that
/// cannot be bound) is refused with its error logged, file:line for an nginx file, and nothing changes;</item>
/// <item>new addresses start listening, removed ones stop accepting while their established sessions continue, and the
/// remaining listeners give their new settings (and certificates, read again) to new connections only
/// (<see cref="MailListeners.Apply"/>);</item>
/// <item>settings only a restart changes (<see cref="ConfigurationSnapshot.RestartOnly"/>: the cluster, the login
/// policy, the admin address, <c>worker_shutdown_timeout</c>, <c>pid</c>, <c>error_log</c>; a listening socket's own
/// parameters) are reported as such.</item>
/// </list>
/// One line is logged per reload: the listener counts, never a value (values may be secrets). Reloads run one at a
/// time, so signals in quick succession are applied in turn.
/// </summary>
internal sealed partial class ConfigurationReload(
    ReloadableConfiguration configuration, ConfigurationSnapshot started, MailListeners listeners, Telemetry.FrontendMetrics metrics, ILogger<ConfigurationReload> logger)
    : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private ConfigurationSnapshot _current = started;
    private PosixSignalRegistration? _hangup;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP's default action ends the process; nginx reloads instead.
            _ = Task.Run(ReloadAsync, CancellationToken.None);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _hangup?.Dispose();
        _hangup = null;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _hangup?.Dispose();
        _oneAtATime.Dispose();
    }

    /// <summary>Reads and applies the configuration; returns false when it was refused (the error is logged).</summary>
    public async Task<bool> ReloadAsync()
    {
        await _oneAtATime.WaitAsync();
        try
        {
            LogReloading(configuration.Name);
            ConfigurationSnapshot next;
            ListenerChanges changes;
            try
            {
                next = configuration.Read();
                changes = await listeners.Apply(next.Listeners, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever went wrong (syntax, value, certificate, bind), the listeners are as they were.
                LogRefused(e.Message);
                metrics.ConfigReload(succeeded: false);
                return false;
            }

            foreach (var warning in next.Warnings) LogWarning(warning);
            var restartOnly = _current.RestartOnlyChanges(next);
            _current = next;
            if (restartOnly.Count > 0) LogNeedsRestart(string.Join(", ", restartOnly));
            if (changes.SocketChanges.Count > 0) LogSocketNeedsRestart(string.Join(", ", changes.SocketChanges));
            LogReloaded(configuration.Name, changes.Count, changes.Added, changes.Removed, changes.Changed);
            metrics.ConfigReload(succeeded: true);
            return true;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "reload: reading {Name}")]
    private partial void LogReloading(string name);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "reload refused, the running configuration is unchanged: {Error}")]
    private partial void LogRefused(string error);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogWarning(string warning);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "reload: changed settings that take effect at the next restart only: {Keys}")]
    private partial void LogNeedsRestart(string keys);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "reload: changed socket parameters (backlog, rcvbuf, sndbuf, ipv6only, multipath) of {Listeners} take effect at the next restart")]
    private partial void LogSocketNeedsRestart(string listeners);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Information, Message = "reload: {Name} applied: {Count} listeners, {Added} added, {Removed} removed (their established sessions continue), {Changed} changed (new connections get the new settings); certificates read again")]
    private partial void LogReloaded(string name, int count, int added, int removed, int changed);
}
