using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Sasl;

/// <summary>What a client presented to log in, decoded. The secret is a password or a 32-hex digest.</summary>
internal sealed record Credentials(AuthMethod Method, string Login, string Secret, string? Salt = null)
{
    /// <summary>Never print the secret.</summary>
    public override string ToString() => $"Credentials {{ Method = {Method}, Login = {Login} }}";
}
