using OrleansMail.Frontend.Configuration.Nginx;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>Blocks, errors at file:line, and include with globs, nesting and cycles.</summary>
public sealed class NginxParserTests : IDisposable
{
    private readonly NginxConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string Folder => _files.Directory;

    private string Write(string name, string text) => _files.Write(name, text);

    private static string Error(string text) =>
        Assert.Throws<NginxConfigurationException>(() => NginxParser.ParseText(text, "t.conf", "/tmp")).Message;

    [Fact]
    public void BlocksHoldTheirDirectivesWithTheirLines()
    {
        var directives = NginxParser.ParseText("a 1;\nb {\n  c 2 3;\n}\n", "t.conf", "/tmp");
        Assert.Equal(["a", "b"], directives.Select(d => d.Name));
        Assert.Equal(["1"], directives[0].Arguments);
        var inner = Assert.Single(directives[1].Block!);
        Assert.Equal(("c", 3), (inner.Name, inner.Location.Line));
        Assert.Equal(["2", "3"], inner.Arguments);
    }

    [Theory]
    [InlineData("a {\nb;\n", "unexpected end of file, expecting \"}\" in t.conf:3")]
    [InlineData("a b", "unexpected end of file, expecting \";\" or \"}\" in t.conf:1")]
    [InlineData("a;\n}", "unexpected \"}\" in t.conf:2")]
    [InlineData("a {\nb }", "unexpected \"}\" in t.conf:2")]
    [InlineData(";", "unexpected \";\" in t.conf:1")]
    [InlineData("\n{}", "unexpected \"{\" in t.conf:2")]
    public void SyntaxErrorsUseNginxsWordsAndLines(string text, string expected) => Assert.Equal(expected, Error(text));

    /// <summary>Found by fuzzing (Tests/Fuzz/regressions/nginx-config): 20,000 nested blocks overflowed the stack.</summary>
    [Fact]
    public void BlocksNestedDeeperThanTheLimitAreRefusedNotAStackOverflow()
    {
        var nested = string.Concat(Enumerable.Repeat("a {\n", NginxParser.MaxBlockDepth)) + new string('}', NginxParser.MaxBlockDepth);
        Assert.Equal(NginxParser.MaxBlockDepth, Depth(NginxParser.ParseText(nested, "t.conf", "/tmp")));
        Assert.Equal($"blocks nested deeper than {NginxParser.MaxBlockDepth} in t.conf:{NginxParser.MaxBlockDepth + 1}", Error("a {\n" + nested));
        Assert.Equal($"blocks nested deeper than {NginxParser.MaxBlockDepth} in t.conf:1", Error(string.Concat(Enumerable.Repeat("a{", 20_000))));
    }

    private static int Depth(IReadOnlyList<NginxDirectiveNode> directives) =>
        directives.Count == 0 ? 0 : 1 + directives.Max(d => d.Block is { } block ? Depth(block) : 0);

    [Fact]
    public void IncludeGlobsAreReadInNameOrderRelativeToTheMainFilesDirectory()
    {
        Write("conf.d/b.conf", "b 1;");
        Write("conf.d/a.conf", "a 1;");
        Write("conf.d/.hidden.conf", "hidden 1;");
        Write("conf.d/c.txt", "c 1;");
        Write("conf.d/sub/d.conf", "include e.inc;"); // relative to the main file's directory, as nginx does
        Write("e.inc", "e 1;");
        var main = Write("main.conf", "first 1;\ninclude conf.d/*.conf;\ninclude conf.d/[s]ub/?.conf;\ninclude nothing/*.conf;\nlast 1;");

        var result = NginxParser.ParseFile(main);

        Assert.Equal(["first", "a", "b", "e", "last"], result.Directives.Select(d => d.Name));
        Assert.Equal(Path.Combine(Folder, "conf.d/a.conf"), result.Directives[1].Location.File);
        Assert.Equal(["main.conf", "a.conf", "b.conf", "d.conf", "e.inc"], result.Files.Select(f => Path.GetFileName(f.Path)));
    }

    [Fact]
    public void IncludeWorksInsideBlocks()
    {
        Write("servers/imap.conf", "server {\n  listen 143;\n}\n");
        var main = Write("main.conf", "mail {\n  include servers/*.conf;\n}\n");
        var mail = Assert.Single(NginxParser.ParseFile(main).Directives);
        var server = Assert.Single(mail.Block!);
        Assert.Equal(2, server.Block![0].Location.Line);
    }

    [Fact]
    public void AMissingPlainIncludeIsAnErrorAtTheIncludeLine()
    {
        var main = Write("main.conf", "a 1;\ninclude missing.conf;\n");
        var error = Assert.Throws<NginxConfigurationException>(() => NginxParser.ParseFile(main));
        Assert.Equal($"open() \"{Path.Combine(Folder, "missing.conf")}\" failed (2: No such file or directory) in {main}:2", error.Message);
    }

    [Fact]
    public void AnIncludeCycleIsRefusedNamingTheFile()
    {
        var a = Write("a.conf", "include b.conf;\n");
        var b = Write("b.conf", "x 1;\ninclude a.conf;\n");
        var error = Assert.Throws<NginxConfigurationException>(() => NginxParser.ParseFile(a));
        Assert.Equal($"include cycle: \"{a}\" is already being read in {b}:2", error.Message);
    }

    [Fact]
    public void ABlockMustEndInTheFileItStarted()
    {
        Write("open.conf", "mail {\n");
        var main = Write("main.conf", "include open.conf;\n}\n");
        var error = Assert.Throws<NginxConfigurationException>(() => NginxParser.ParseFile(main));
        Assert.StartsWith("unexpected end of file, expecting \"}\" in ", error.Message);
        Assert.EndsWith("open.conf:2", error.Message);
    }

    [Fact]
    public void CommandLineDirectivesComeFirstAndAreNamedCommandLine()
    {
        var main = Write("main.conf", "a 1;");
        Assert.Equal(["pid", "a"], NginxParser.ParseFile(main, "pid x.pid;").Directives.Select(d => d.Name));
        var error = Assert.Throws<NginxConfigurationException>(() => NginxParser.ParseFile(main, "pid x.pid"));
        Assert.Equal("unexpected end of file, expecting \";\" or \"}\" in command line", error.Message);
    }
}
