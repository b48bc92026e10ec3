using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;

namespace OrleansMail.Silo;

/// <summary>
/// <c>ShutdownTimeout</c> of the Silo (README "Graceful rollouts"): on SIGTERM (Kubernetes' stop, <c>docker stop</c>)
/// or Ctrl+C the host stops the silo, which Orleans does gracefully: the silo turns <c>ShuttingDown</c> in the membership
/// table, stops taking new activations, deactivates its grains (their <c>OnDeactivateAsync</c> writes their state), hands
/// its part of the grain directory over and ends as <c>Dead</c>, so the other silos take its logins at once instead of
/// after missed probes. The host's shutdown timeout bounds all of it; when it passes Orleans stops without waiting.
/// 30 s (the .NET host's default) leaves room for a few thousand small login grains; pods get
/// <c>terminationGracePeriodSeconds</c> 40 so the kubelet never kills a silo that is still leaving.
/// </summary>
internal static class SiloShutdown
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static TimeSpan Timeout(IConfiguration configuration) =>
        SettingsSection.Root(configuration).Time("ShutdownTimeout", Default, minimum: TimeSpan.FromMilliseconds(1));
}
