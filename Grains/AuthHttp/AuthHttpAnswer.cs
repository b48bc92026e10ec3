using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>The auth server's decision, and how long it says the decision may be reused (<c>Auth-Cache-TTL</c>; null = our default).</summary>
internal readonly record struct AuthHttpAnswer(LoginDecision Decision, TimeSpan? CacheTtl)
{
    public static implicit operator AuthHttpAnswer(LoginDecision decision) => new(decision, null);
}
