namespace OrleansMail.Grains.Login;

/// <summary>
/// The persisted part of a login grain ("mail" storage, Orleans binary serializer): wrong secrets counted per client
/// address prefix and across prefixes, the refusals repeated locally, the prefixes the user logged in from, and the
/// auth server's last refusal, which local refusals repeat so an attacker cannot tell them apart. No secret: keyed
/// hashes, times and the auth server's error text only.
/// </summary>
[GenerateSerializer, Alias("mail.LoginThrottleState")]
public sealed class LoginThrottleState
{
    [Id(0)] public Dictionary<string, FailureWindow> ByAddressPrefix { get; set; } = [];

    [Id(1)] public string? LastRefusalMessage { get; set; }

    [Id(2)] public TimeSpan? LastRefusalWait { get; set; }

    [Id(3)] public string? LastRefusalSmtpErrorCode { get; set; }

    /// <summary>Distinct wrong secrets from every prefix, for the distributed-guessing budget.</summary>
    [Id(4)] public FailureWindow AcrossPrefixes { get; set; } = new();

    /// <summary>Prefixes with a successful login, as keyed hashes (base64), with the time of the last success.</summary>
    [Id(5)] public Dictionary<string, DateTimeOffset> KnownPrefixes { get; set; } = [];

    /// <summary>Per address prefix: the questions the auth server refused, refused again locally until their time.</summary>
    [Id(6)] public Dictionary<string, RepeatedRefusals> RepeatsByAddressPrefix { get; set; } = [];

    /// <summary>
    /// The auth server's last refusal's <c>Auth-Error-SASL</c> (RFC 7628's error JSON, base64; no secret), which a
    /// local refusal of a bearer-token login repeats like the text.
    /// </summary>
    [Id(7)] public string? LastRefusalSaslError { get; set; }
}

/// <summary>The persisted state of a client-address grain.</summary>
[GenerateSerializer, Alias("mail.ClientAddressState")]
public sealed class ClientAddressState
{
    [Id(0)] public FailureWindow Failures { get; set; } = new();
}
