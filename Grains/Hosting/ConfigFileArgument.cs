using Microsoft.Extensions.Configuration;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// The <c>--config FILE</c> option shared by Silo and Frontend: a JSON file layered over appsettings.json and under
/// environment variables and other command-line options.
/// </summary>
public static class ConfigFileArgument
{
    /// <summary>Returns the arguments without <c>--config FILE</c> (the host's own parser would take it as a key) and the file, if any.</summary>
    public static (string[] Remaining, string? File) Split(string[] args)
    {
        var rest = new List<string>(args.Length);
        string? file = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" or "-config" && i + 1 < args.Length) { file = args[++i]; continue; }
            if (args[i].StartsWith("--config=", StringComparison.Ordinal)) { file = args[i]["--config=".Length..]; continue; }
            rest.Add(args[i]);
        }
        return (rest.ToArray(), file);
    }

    /// <summary>
    /// Adds the file so that it wins over appsettings.json but environment variables and command-line switches still win over it.
    /// </summary>
    public static void Apply(IConfigurationManager configuration, string? file, string[] rest)
    {
        if (file is null) return;
        var full = Path.GetFullPath(file);
        if (!File.Exists(full)) throw new InvalidConfigurationException("--config", file, "file not found");
        configuration.AddJsonFile(full, optional: false, reloadOnChange: false);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(rest);
    }
}
