using OrleansMail.Grains.Hosting;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The escalating delay before a refusal, by the number of distinct wrong secrets in the window (README "Login
/// policy"): none for the first, then <c>bruteforce_delay</c> doubling per further one (1, 2, 4, 8 s by default),
/// capped at <c>bruteforce_delay_max</c> (15 s), like Dovecot's auth penalty (2→4→8→15 s).
/// </summary>
internal static class RefusalDelay
{
    public static TimeSpan? For(int distinctFailures, LoginPolicySettings settings)
    {
        if (distinctFailures < 2 || settings.BruteforceDelay <= TimeSpan.Zero) return null;
        var doublings = Math.Min(distinctFailures - 2, 30);
        var delay = settings.BruteforceDelay * Math.Pow(2, doublings);
        return delay < settings.BruteforceDelayMax ? delay : settings.BruteforceDelayMax;
    }
}
