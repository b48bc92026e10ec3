namespace OrleansMail.Grains.Interfaces;

/// <summary>What a login grain holds, for the admin API: counts and times only, never a secret or a hash.</summary>
/// <param name="CachedDecisions">Decisions in the cache (allowed and refused).</param>
/// <param name="AuthWaits">The Auth-Waits running, per client address prefix that earned one.</param>
/// <param name="Throttles">Wrong secrets counted per client address prefix.</param>
/// <param name="Sessions">The sessions holding a slot under the session limits (front end, client address, start).</param>
/// <param name="Guessing">The distributed-guessing budget across every prefix.</param>
[GenerateSerializer, Immutable, Alias("mail.UserLoginReport")]
public sealed record UserLoginReport(
    [property: Id(0)] int CachedDecisions,
    [property: Id(1)] IReadOnlyList<AuthWaitReport> AuthWaits,
    [property: Id(2)] IReadOnlyList<AddressThrottleReport> Throttles,
    [property: Id(3)] IReadOnlyList<SessionLease> Sessions,
    [property: Id(4)] GuessingReport Guessing);

/// <summary>One address prefix's count for one login.</summary>
[GenerateSerializer, Immutable, Alias("mail.AddressThrottleReport")]
public sealed record AddressThrottleReport(
    [property: Id(0)] string AddressPrefix,
    [property: Id(1)] int DistinctFailures,
    [property: Id(2)] bool Throttled,
    [property: Id(3)] DateTimeOffset? ThrottledUntil,
    [property: Id(4)] int RepeatedRefusals = 0);

/// <summary>An Auth-Wait running for one address prefix.</summary>
[GenerateSerializer, Immutable, Alias("mail.AuthWaitReport")]
public sealed record AuthWaitReport([property: Id(0)] string AddressPrefix, [property: Id(1)] DateTimeOffset Until);

/// <summary>
/// The distributed-guessing budget of one login (README "Login policy").
/// </summary>
/// <param name="DistinctFailures">Distinct wrong secrets from every prefix within the budget window.</param>
/// <param name="Budget">The budget (<c>bruteforce_login_budget</c>); 0 = off.</param>
/// <param name="Slowed">Whether attempts from unknown prefixes are being admitted one per interval.</param>
/// <param name="KnownPrefixes">How many prefixes with a recent success are remembered (never slowed).</param>
[GenerateSerializer, Immutable, Alias("mail.GuessingReport")]
public sealed record GuessingReport(
    [property: Id(0)] int DistinctFailures,
    [property: Id(1)] int Budget,
    [property: Id(2)] bool Slowed,
    [property: Id(3)] int KnownPrefixes);
