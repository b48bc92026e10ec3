namespace OrleansMail.Grains.Hosting;

/// <summary>
/// A configuration value that cannot be used. Start-up stops with this message, which names the key and the
/// value, so the operator knows exactly what to fix.
/// </summary>
public sealed class InvalidConfigurationException(string key, string? value, string reason)
    : Exception($"Invalid configuration: {key} = '{value}': {reason}")
{
    public string Key { get; } = key;
}
