namespace OrleansMail.Grains.Login;

/// <summary>
/// The persisted part of a login grain ("mail" storage, Orleans binary serializer): wrong secrets counted per client
/// address prefix, and the auth server's last refusal, which local refusals repeat so an attacker cannot tell them
/// apart. No secret: hashes, times and the auth server's error text only.
/// </summary>
[GenerateSerializer, Alias("mail.LoginThrottleState")]
public sealed class LoginThrottleState
{
    [Id(0)] public Dictionary<string, FailureWindow> ByAddressPrefix { get; set; } = [];

    [Id(1)] public string? LastRefusalMessage { get; set; }

    [Id(2)] public TimeSpan? LastRefusalWait { get; set; }

    [Id(3)] public string? LastRefusalSmtpErrorCode { get; set; }
}

/// <summary>The persisted state of a client-address grain.</summary>
[GenerateSerializer, Alias("mail.ClientAddressState")]
public sealed class ClientAddressState
{
    [Id(0)] public FailureWindow Failures { get; set; } = new();
}
