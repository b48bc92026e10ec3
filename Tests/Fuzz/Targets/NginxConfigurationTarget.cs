using System.Text;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// nginx configuration text through <see cref="NginxTokenizer"/>, <see cref="NginxParser"/> and
/// <see cref="NginxConfigurationMapper"/>, as <c>-c FILE</c> reads it. A bad configuration is refused with
/// <see cref="NginxConfigurationException"/> (nginx's "[emerg]" message); any other exception is a crash. What parses
/// must parse again to the same directives when written back out with every word quoted (ngx_conf_read_token's
/// quoting and escapes, src/core/ngx_conf_file.c), and tokenizing allocates in proportion to the text.
/// Text naming <c>include</c> is tokenized only: include reads files, and the fuzzer must not wander the disk.
/// </summary>
internal sealed class NginxConfigurationTarget : IFuzzTarget
{
    public string Name => "nginx-config";

    public void Run(ReadOnlyMemory<byte> input)
    {
        var text = Encoding.UTF8.GetString(input.Span);
        if (!Tokenize(text, out var readsFiles) || readsFiles) return;

        IReadOnlyList<NginxDirectiveNode> directives;
        try { directives = NginxParser.ParseText(text, "fuzz.conf", "/nonexistent/conf"); }
        catch (NginxConfigurationException) { return; }

        var written = Write(directives);
        IReadOnlyList<NginxDirectiveNode> again;
        try { again = NginxParser.ParseText(written, "fuzz.conf", "/nonexistent/conf"); }
        catch (NginxConfigurationException e) { throw new InvariantViolationException($"the quoted configuration failed to parse ({e.Message}): {written}"); }
        Invariant.Equal(Describe(directives), Describe(again), "quoting every word changed the configuration");

        // (Made here, not in a static field: instrumented Frontend code may only run once Fuzzer.Run has set AFL up.)
        try { NginxConfigurationMapper.Map(directives, new NginxPaths("/nonexistent/prefix/", "/nonexistent/conf/")); }
        catch (NginxConfigurationException) { }
    }

    /// <summary>Tokens until the end or nginx's refusal; false when refused.</summary>
    private static bool Tokenize(string text, out bool readsFiles)
    {
        readsFiles = false;
        var tokenizer = new NginxTokenizer(text, "fuzz.conf");
        var lines = 1 + text.Count(c => c == '\n');
        var previousLine = 1;
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            while (tokenizer.Next() is { } token)
            {
                // (Tested before the message is made: the allocation measured here must be the tokenizer's alone.)
                if (token.Line < previousLine || token.Line > lines)
                    throw new InvariantViolationException($"token on line {token.Line} after line {previousLine} of {lines}");
                previousLine = token.Line;
                readsFiles |= token.Text == "include";
            }
        }
        catch (NginxConfigurationException)
        {
            return false;
        }
        finally
        {
            // Each token's string and its escape-handling builder: measured worst 1 KB + 37 bytes a character (one-letter
            // words with escapes).
            Invariant.AllocationBounded(GC.GetAllocatedBytesForCurrentThread() - before, text.Length, 1024, 64, "NginxTokenizer");
        }
        return true;
    }

    /// <summary>The directives as nginx text with every word in double quotes: <c>\</c> and <c>"</c> escaped.</summary>
    private static string Write(IReadOnlyList<NginxDirectiveNode> directives)
    {
        var text = new StringBuilder();
        foreach (var node in directives)
        {
            foreach (var word in node.Arguments.Prepend(node.Name))
                text.Append('"').Append(word.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append("\" ");
            if (node.Block is { } block) text.Append("{\n").Append(Write(block)).Append("}\n");
            else text.Append(";\n");
        }
        return text.ToString();
    }

    private static string Describe(IReadOnlyList<NginxDirectiveNode> directives) =>
        string.Join(" ", directives.Select(d =>
            $"[{string.Join("|", d.Arguments.Prepend(d.Name).Select(w => Convert.ToHexString(Encoding.UTF8.GetBytes(w))))}" +
            (d.Block is { } block ? "{" + Describe(block) + "}" : ";") + "]"));
}
