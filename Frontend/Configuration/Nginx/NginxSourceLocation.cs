namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>Where a token or directive was read: a file (or <c>command line</c> for <c>-g</c>) and a 1-based line (0: the file as a whole).</summary>
public readonly record struct NginxSourceLocation(string File, int Line)
{
    /// <summary>nginx's suffix for every configuration message: <c>in FILE:LINE</c> (just <c>in command line</c> for -g).</summary>
    public override string ToString() => File == NginxConfigurationException.CommandLine || Line <= 0 ? File : $"{File}:{Line}";
}
