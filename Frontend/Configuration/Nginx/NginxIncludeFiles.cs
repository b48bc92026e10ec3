using System.Text;
using System.Text.RegularExpressions;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// The files an <c>include</c> names, as <c>ngx_conf_include()</c> finds them: a relative path is taken from the
/// directory of the main configuration file (nginx's conf prefix); a path with <c>*</c>, <c>?</c> or <c>[…]</c> is a
/// glob whose matches are read in name order, and matching nothing is not an error; a plain path must exist.
/// </summary>
public static class NginxIncludeFiles
{
    public static IReadOnlyList<string> Resolve(string pattern, string configurationDirectory, NginxSourceLocation location)
    {
        var full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(configurationDirectory, pattern);
        if (!IsGlob(full))
        {
            if (!File.Exists(full))
                throw new NginxConfigurationException($"open() \"{full}\" failed (2: No such file or directory)", location);
            return [full];
        }

        // Expand one path segment at a time, so wildcards may stand in directory names too (conf.d/*/mail.conf).
        var root = Path.GetPathRoot(full) ?? "";
        var candidates = new List<string> { root.Length == 0 ? "." : root };
        var segments = full[root.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            var next = new List<string>();
            foreach (var directory in candidates)
            {
                if (!IsGlob(segments[i]))
                {
                    var path = Path.Combine(directory, segments[i]);
                    if (last ? File.Exists(path) : Directory.Exists(path)) next.Add(path);
                    continue;
                }
                if (!Directory.Exists(directory)) continue;
                var regex = GlobToRegex(segments[i]);
                var entries = last ? Directory.EnumerateFiles(directory) : Directory.EnumerateDirectories(directory);
                // glob(3) leaves out hidden entries unless the pattern starts with a dot.
                next.AddRange(entries.Where(e => regex.IsMatch(Path.GetFileName(e)) && (segments[i].StartsWith('.') || !Path.GetFileName(e).StartsWith('.'))));
            }
            candidates = next.Order(StringComparer.Ordinal).ToList();
        }
        return candidates;
    }

    private static bool IsGlob(string path) => path.IndexOfAny(['*', '?', '[']) >= 0;

    private static Regex GlobToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*': pattern.Append(".*"); break;
                case '?': pattern.Append('.'); break;
                case '[':
                    var end = glob.IndexOf(']', i + 2);
                    if (end < 0) { pattern.Append(@"\["); break; }
                    var set = glob[(i + 1)..end];
                    pattern.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = end;
                    break;
                default: pattern.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
