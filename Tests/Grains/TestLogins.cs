using System.Security.Cryptography;

namespace OrleansMail.Tests.Grains;

/// <summary>Fresh logins and client addresses per test, so counts of one test never reach another in a shared cluster.</summary>
internal static class TestLogins
{
    public static string UniqueLogin(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.org";

    /// <summary>A random address in 10.0.0.0/8.</summary>
    public static string UniqueAddress() => $"10.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}";
}
