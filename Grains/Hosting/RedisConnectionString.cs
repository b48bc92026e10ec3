namespace OrleansMail.Grains.Hosting;

/// <summary>
/// <c>Cluster:Redis</c> as it may be shown in an error: StackExchange.Redis's comma-separated options with the
/// password's value (and the user's, which names an ACL account) replaced by <c>*****</c>, so a start-up error, a log
/// line or an exception message never carries the secret.
/// </summary>
public static class RedisConnectionString
{
    private const string Hidden = "*****";

    /// <summary>The connection string with its secret values hidden.</summary>
    public static string Redacted(string? connectionString) =>
        string.Join(',', (connectionString ?? "").Split(',').Select(part => Secret(part) is { } start ? part[..start] + Hidden : part));

    /// <summary>
    /// <paramref name="text"/> (an error message about the connection string) with every secret value of it
    /// replaced, whatever the library quoted.
    /// </summary>
    public static string Scrub(string text, string connectionString)
    {
        foreach (var part in connectionString.Split(','))
            if (Secret(part) is { } start && part[start..].Trim() is { Length: > 0 } value)
                text = text.Replace(value, Hidden, StringComparison.Ordinal);
        return text;
    }

    /// <summary>Where the value of a <c>password=</c> or <c>user=</c> option starts; null for any other part.</summary>
    private static int? Secret(string part)
    {
        var equals = part.IndexOf('=');
        if (equals < 0) return null;
        var option = part[..equals].Trim();
        return option.Equals("password", StringComparison.OrdinalIgnoreCase) || option.Equals("user", StringComparison.OrdinalIgnoreCase)
            ? equals + 1
            : null;
    }
}
