namespace OrleansMail.Grains.Hosting;

/// <summary>
/// A configuration value that cannot be used. Start-up stops with this message, which names the key and the
/// value, so the operator knows exactly what to fix.
/// </summary>
public sealed class InvalidConfigurationException(string key, string? value, string reason)
    : Exception($"Invalid configuration: {key} = '{value}': {reason}")
{
    public string Key { get; } = key;

    /// <summary>The value refused; null when the setting is missing.</summary>
    public string? Value { get; } = value;

    /// <summary>Why, without the key and value (an nginx file reports these as its directive's words).</summary>
    public string Reason { get; } = reason;
}
