namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// An address prefix's grain's answer to a login grain (README "Login policy", "The address threshold without a call
/// per login"): whether the prefix is past <c>bruteforce_address_threshold</c> now and, when it is not, for how long the
/// login grain may take "not throttled" as the answer without asking again. The address grain revokes the lease
/// (<see cref="IUserLoginGrain.RevokeAddressLease"/>) before any failure that takes the prefix past the threshold is
/// answered, so the threshold stays exact.
/// </summary>
/// <param name="Throttled">The prefix is past the threshold: refuse locally, and ask again next time.</param>
/// <param name="Lease">How long "not throttled" may be reused unless revoked, counted from before the call; zero = no lease.</param>
[GenerateSerializer, Immutable, Alias("mail.AddressThrottleLease")]
public sealed record AddressThrottleLease([property: Id(0)] bool Throttled, [property: Id(1)] TimeSpan Lease);
