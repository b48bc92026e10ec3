namespace OrleansMail.Grains.Interfaces;

/// <summary>What a login grain holds, for the admin API: counts and times only, never a secret or a hash.</summary>
/// <param name="CachedDecisions">Decisions in the cache (allowed and refused).</param>
/// <param name="AuthWaitUntil">When a running Auth-Wait ends, if one runs.</param>
/// <param name="Throttles">Wrong secrets counted per client address prefix.</param>
/// <param name="Sessions">The sessions holding a slot under the session limits (front end, client address, start).</param>
[GenerateSerializer, Immutable, Alias("mail.UserLoginReport")]
public sealed record UserLoginReport(
    [property: Id(0)] int CachedDecisions,
    [property: Id(1)] DateTimeOffset? AuthWaitUntil,
    [property: Id(2)] IReadOnlyList<AddressThrottleReport> Throttles,
    [property: Id(3)] IReadOnlyList<SessionLease> Sessions);

/// <summary>One address prefix's count for one login.</summary>
[GenerateSerializer, Immutable, Alias("mail.AddressThrottleReport")]
public sealed record AddressThrottleReport(
    [property: Id(0)] string AddressPrefix,
    [property: Id(1)] int DistinctFailures,
    [property: Id(2)] bool Throttled,
    [property: Id(3)] DateTimeOffset? ThrottledUntil);
