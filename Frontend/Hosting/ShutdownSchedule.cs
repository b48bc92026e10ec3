using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// A graceful stop (SIGTERM, SIGQUIT, <c>-s quit</c>; README "Graceful rollouts"), in this order:
/// <list type="number">
/// <item>at once: <c>/health/ready</c> answers 503 (HostRunningHealthCheck: the host is stopping);</item>
/// <item>for <see cref="Delay"/> (<c>shutdown_delay</c>) the listeners still accept and greet new clients, while load
/// balancers and Kubernetes' endpoint controllers notice the 503 and send new clients elsewhere;</item>
/// <item>then the listeners close and established sessions may run for <see cref="Timeout"/>
/// (<c>worker_shutdown_timeout</c>, counted as nginx counts it: from the moment the listeners close);</item>
/// <item>then every session still open gets its protocol's closing line (IMAP <c>* BYE</c>, POP3 <c>-ERR</c>, SMTP
/// <c>421</c>; a relayed session's upstream connection is closed) and <see cref="CloseGrace"/> later whatever has
/// not ended is aborted.</item>
/// </list>
/// </summary>
internal sealed record ShutdownSchedule(TimeSpan Delay, TimeSpan Timeout)
{
    /// <summary>The default <c>shutdown_delay</c> when the process serves <c>/health/ready</c>: a few readiness probe periods.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>From the closing lines to aborting the connections that are still open (a client that does not read).</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    /// <summary>After the sessions: the cluster client (or embedded silo) and the HTTP port stop.</summary>
    private static readonly TimeSpan ClusterStop = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The host's own bound on the whole stop (<c>HostOptions.ShutdownTimeout</c>): the schedule above plus time for
    /// the cluster to stop. With the defaults 5 + 30 + 2 + 3 = 40 s; Kubernetes' terminationGracePeriodSeconds should
    /// be above it (45 in deploy/kubernetes).
    /// </summary>
    public TimeSpan HostTimeout => Delay + Timeout + CloseGrace + ClusterStop;

    /// <summary>
    /// Reads <c>ShutdownDelay</c> and <c>ShutdownTimeout</c>. Without <c>/health/ready</c> (no Health:Listen; Admin:Listen serves it too, but for operators, not load balancers) nothing
    /// can tell a load balancer the process is leaving, so the delay defaults to 0 there, as nginx closes its listeners at once.
    /// </summary>
    public static ShutdownSchedule From(IConfiguration configuration, NginxConfiguration? nginx, bool servesReadiness) =>
        new(Time(configuration, nginx, "ShutdownDelay", servesReadiness ? DefaultDelay : TimeSpan.Zero),
            Time(configuration, nginx, "ShutdownTimeout", DefaultTimeout));

    private static TimeSpan Time(IConfiguration configuration, NginxConfiguration? nginx, string key, TimeSpan fallback)
    {
        try { return SettingsSection.Root(configuration).Time(key, fallback); }
        catch (InvalidConfigurationException error) when (nginx is not null) { throw nginx.At(error); }
    }
}
