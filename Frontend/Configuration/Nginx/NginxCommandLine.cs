using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// nginx's command-line options, as the Frontend takes them:
/// <c>-c FILE</c> (an nginx configuration instead of JSON), <c>-t</c> (test it and exit), <c>-T</c> (test and dump
/// every file read), <c>-p PREFIX</c> (where relative paths start; default: the current directory, where nginx uses
/// its compiled-in prefix), <c>-g "DIRECTIVES"</c> (top-level directives read before the file) and
/// <c>-s stop|quit|reload</c> (signal the running process named by the pid file) and <c>-e FILE|stderr</c> (the log
/// of start-up errors, and the error log when the file sets no top-level error_log). Everything else is left to the host
/// (<c>--config FILE</c> and configuration switches).
/// </summary>
public sealed record NginxCommandLine(string? ConfigFile, string Prefix, string? Globals, bool Test, bool Dump, string? Signal, string[] Remaining, string? ErrorLog = null)
{
    /// <summary>The <c>-s</c> names OrleansMail understands (nginx's <c>reopen</c> is not: the log file is reopened by a restart).</summary>
    public static readonly string[] Signals = ["stop", "quit", "reload"];

    public static NginxCommandLine Parse(string[] args)
    {
        string? file = null, prefix = null, globals = null, signal = null, errorLog = null;
        bool test = false, dump = false;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value(string what) => i + 1 < args.Length ? args[++i] : throw new InvalidConfigurationException(args[i], null, $"option \"{args[i]}\" requires {what}");
            switch (args[i])
            {
                case "-c": file = Value("file name"); break;
                case "-p": prefix = Value("directory name"); break;
                case "-g": globals = (globals is null ? "" : globals + "\n") + Value("parameter"); break;
                case "-s":
                    signal = Value("parameter");
                    if (!Signals.Contains(signal)) throw new InvalidConfigurationException("-s", signal, "invalid option; expected stop, quit or reload");
                    break;
                case "-e": errorLog = Value("file name"); break;
                case "-t": test = true; break;
                case "-T": test = dump = true; break;
                default: rest.Add(args[i]); break;
            }
        }
        var fullPrefix = Path.GetFullPath(prefix ?? Directory.GetCurrentDirectory());
        // nginx takes a relative -c from the prefix (ngx_process_options).
        var fullFile = file is null ? null : Path.GetFullPath(file, fullPrefix);
        // -e is taken from the prefix as error_log is; "stderr" names the console (ngx_process_options).
        var fullErrorLog = errorLog is null or "stderr" ? errorLog : Path.GetFullPath(errorLog, fullPrefix);
        return new NginxCommandLine(fullFile, fullPrefix, globals, test, dump, signal, rest.ToArray(), fullErrorLog);
    }
}
