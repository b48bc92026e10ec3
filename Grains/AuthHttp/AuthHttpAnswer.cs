using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// The auth server's decision, how long it says the decision may be reused (<c>Auth-Cache-TTL</c>; null = our
/// default), and, when it gave no usable answer, the kind of failure (the <c>error.type</c> label of
/// <c>orleansmail.auth_http.errors</c>, a <see cref="Telemetry.TelemetryLabels.AuthHttpError"/> constant).
/// </summary>
internal readonly record struct AuthHttpAnswer(LoginDecision Decision, TimeSpan? CacheTtl, string? ErrorType = null)
{
    public static implicit operator AuthHttpAnswer(LoginDecision decision) => new(decision, null);
}
