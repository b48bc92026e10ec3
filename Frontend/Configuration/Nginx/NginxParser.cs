namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// Turns nginx configuration text into directives, with <c>ngx_conf_parse()</c>'s rules and messages: a directive is
/// words ended by <c>;</c> or by a <c>{ … }</c> block; a block must end in the file it started in; <c>include</c> is
/// replaced by the directives of the files it names (see <see cref="NginxIncludeFiles"/>). An include cycle, which
/// nginx only stops when it runs out of file descriptors, is refused naming the file.
/// </summary>
public sealed class NginxParser
{
    /// <summary>Deeper nesting of includes than this is refused (nginx has no limit; a cycle would exhaust file descriptors).</summary>
    public const int MaxIncludeDepth = 32;

    /// <summary>
    /// Deeper nesting of blocks than this is refused. nginx has no such limit, but its parser rejects an unknown block
    /// as soon as it meets it (ngx_conf_handler in src/core/ngx_conf_file.c), so only its own few levels ever nest;
    /// this parser reads the whole tree before checking names, and found by fuzzing, 20,000 nested "a{" ended the
    /// process with a stack overflow.
    /// </summary>
    public const int MaxBlockDepth = 100;

    private readonly string _configurationDirectory;
    private readonly List<NginxConfigurationFile> _files = [];
    private readonly Stack<string> _including = new();

    private NginxParser(string configurationDirectory) => _configurationDirectory = configurationDirectory;

    /// <summary>Parses <paramref name="path"/> and what it includes; relative includes are taken from the file's directory.</summary>
    public static NginxParseResult ParseFile(string path, string? extraDirectives = null)
    {
        var full = Path.GetFullPath(path);
        var parser = new NginxParser(Path.GetDirectoryName(full) ?? ".");
        var directives = new List<NginxDirectiveNode>();
        // nginx parses the -g directives before the file (ngx_conf_param, then ngx_conf_parse).
        if (extraDirectives is not null) directives.AddRange(parser.ParseText(extraDirectives, NginxConfigurationException.CommandLine));
        if (!File.Exists(full))
            throw new NginxConfigurationException($"open() \"{full}\" failed (2: No such file or directory)", new(full, 0));
        directives.AddRange(parser.ReadFile(full, new(full, 0)));
        return new NginxParseResult(full, directives, parser._files);
    }

    /// <summary>Parses text that is not a file (tests, -g); includes are taken from <paramref name="directory"/>.</summary>
    public static IReadOnlyList<NginxDirectiveNode> ParseText(string text, string name, string directory) =>
        new NginxParser(directory).ParseText(text, name);

    private IReadOnlyList<NginxDirectiveNode> ReadFile(string path, NginxSourceLocation includedFrom)
    {
        if (_including.Contains(path))
            throw new NginxConfigurationException($"include cycle: \"{path}\" is already being read", includedFrom);
        if (_including.Count >= MaxIncludeDepth)
            throw new NginxConfigurationException($"includes nested deeper than {MaxIncludeDepth} files", includedFrom);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NginxConfigurationException($"open() \"{path}\" failed ({e.Message})", includedFrom);
        }
        _files.Add(new NginxConfigurationFile(path, text));
        _including.Push(path);
        try { return ParseText(text, path); }
        finally { _including.Pop(); }
    }

    private List<NginxDirectiveNode> ParseText(string text, string name)
    {
        var tokenizer = new NginxTokenizer(text, name);
        return ParseBlock(tokenizer, name, depth: 0);
    }

    private List<NginxDirectiveNode> ParseBlock(NginxTokenizer tokenizer, string file, int depth)
    {
        var result = new List<NginxDirectiveNode>();
        var words = new List<string>();
        var line = 0;
        while (true)
        {
            var token = tokenizer.Next();
            if (token is null)
            {
                if (words.Count > 0) throw new NginxConfigurationException("unexpected end of file, expecting \";\" or \"}\"", new(file, tokenizer.Line));
                if (depth > 0) throw new NginxConfigurationException("unexpected end of file, expecting \"}\"", new(file, tokenizer.Line));
                return result;
            }

            var (kind, text, tokenLine) = token.Value;
            switch (kind)
            {
                case NginxTokenKind.Word:
                    if (words.Count == 0) line = tokenLine;
                    words.Add(text);
                    break;
                case NginxTokenKind.Semicolon:
                    if (words.Count == 0) throw new NginxConfigurationException("unexpected \";\"", new(file, tokenLine));
                    AddDirective(result, words, new(file, line), null);
                    words.Clear();
                    break;
                case NginxTokenKind.BlockStart:
                    if (words.Count == 0) throw new NginxConfigurationException("unexpected \"{\"", new(file, tokenLine));
                    var location = new NginxSourceLocation(file, line);
                    var name = words[0];
                    if (name == "include") throw new NginxConfigurationException("directive \"include\" is not terminated by \";\"", location);
                    var arguments = words.Skip(1).ToList();
                    words.Clear();
                    if (depth == MaxBlockDepth) throw new NginxConfigurationException($"blocks nested deeper than {MaxBlockDepth}", location);
                    var block = ParseBlock(tokenizer, file, depth + 1);
                    result.Add(new NginxDirectiveNode(name, arguments, location, block));
                    break;
                case NginxTokenKind.BlockEnd:
                    if (words.Count > 0 || depth == 0) throw new NginxConfigurationException("unexpected \"}\"", new(file, tokenLine));
                    return result;
            }
        }
    }

    private void AddDirective(List<NginxDirectiveNode> result, List<string> words, NginxSourceLocation location, IReadOnlyList<NginxDirectiveNode>? block)
    {
        if (words[0] != "include")
        {
            result.Add(new NginxDirectiveNode(words[0], words.Skip(1).ToList(), location, block));
            return;
        }
        if (words.Count != 2) throw new NginxConfigurationException("invalid number of arguments in \"include\" directive", location);
        foreach (var path in NginxIncludeFiles.Resolve(words[1], _configurationDirectory, location))
            result.AddRange(ReadFile(path, location));
    }
}

/// <summary>One file the parser read, with its text as read (for <c>-T</c>).</summary>
public sealed record NginxConfigurationFile(string Path, string Text);

/// <summary>The parsed configuration: the main file, its directives (includes expanded) and every file read, in order.</summary>
public sealed record NginxParseResult(string MainFile, IReadOnlyList<NginxDirectiveNode> Directives, IReadOnlyList<NginxConfigurationFile> Files);
