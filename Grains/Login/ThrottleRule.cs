namespace OrleansMail.Grains.Login;

/// <summary>
/// The login grains' own brute-force rules, by the name that goes into <see cref="Interfaces.LoginDecision.ThrottledBy"/>
/// and into the <c>rule</c> label of <c>orleansmail.throttle.engagements</c> (README "Observability"). Each decision a
/// rule takes instead of the auth server carries its name, so the front end counts that login as throttled.
/// </summary>
public static class ThrottleRule
{
    /// <summary>The client's address prefix is inside an Auth-Wait it earned for this login (AuthWaits.cs).</summary>
    public const string AuthWait = "auth_wait";

    /// <summary>The same wrong secret again from the prefix within <c>bruteforce_repeat_window</c> (RepeatedRefusals.cs).</summary>
    public const string RepeatedRefusal = "repeated_refusal";

    /// <summary>The prefix reached <c>bruteforce_login_threshold</c> distinct wrong secrets for this login.</summary>
    public const string LoginThreshold = "login_threshold";

    /// <summary>The prefix reached <c>bruteforce_address_threshold</c> distinct wrong (login, secret) pairs across logins (ClientAddressGrain.cs).</summary>
    public const string AddressThreshold = "address_threshold";

    /// <summary>The login's <c>bruteforce_login_budget</c> is spent: an unknown prefix is told to come back at its admission turn.</summary>
    public const string LoginBudget = "login_budget";

    /// <summary>The budget is spent and the admission queue is full: the temporary failure at once (AdmissionQueue.cs).</summary>
    public const string AdmissionQueue = "admission_queue";
}
