using System.Text;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// nginx's configuration lexer, as <c>ngx_conf_read_token()</c> in src/core/ngx_conf_file.c does it:
/// <list type="bullet">
/// <item>words are separated by space, tab, CR and LF; <c>;</c> and <c>{</c> end a word and are tokens, and so is
///   <c>}</c> at the start of a token (inside a word it is a letter);</item>
/// <item><c>#</c> at the start of a word starts a comment up to the end of the line (inside a word it is a letter);</item>
/// <item>a word starting with <c>"</c> or <c>'</c> runs to the matching quote (spaces, <c>;</c> and newlines included)
///   and must be followed by a separator, else <c>unexpected "x"</c>;</item>
/// <item><c>\</c> protects the next character from ending the word; when the word is copied, <c>\"</c>, <c>\'</c> and
///   <c>\\</c> become the character, <c>\t</c>, <c>\r</c>, <c>\n</c> become tab, CR, LF, any other <c>\x</c> stays as is;</item>
/// <item><c>${</c> inside a word is a variable reference, not a block (<c>${name}</c>).</item>
/// </list>
/// </summary>
public sealed class NginxTokenizer(string text, string file)
{
    private int _position;
    private int _line = 1;

    /// <summary>The line the tokenizer is on (nginx reports most errors at this line).</summary>
    public int Line => _line;

    /// <summary>The next token, or null at the end of the text.</summary>
    public NginxToken? Next()
    {
        SkipSpaceAndComments();
        if (_position >= text.Length) return null;

        var c = text[_position];
        var line = _line;
        switch (c)
        {
            case ';': _position++; return new NginxToken(NginxTokenKind.Semicolon, ";", line);
            case '{': _position++; return new NginxToken(NginxTokenKind.BlockStart, "{", line);
            case '}': _position++; return new NginxToken(NginxTokenKind.BlockEnd, "}", line);
            case '"' or '\'': return new NginxToken(NginxTokenKind.Word, Quoted(c), line);
            default: return new NginxToken(NginxTokenKind.Word, Bare(), line);
        }
    }

    private void SkipSpaceAndComments()
    {
        while (_position < text.Length)
        {
            var c = text[_position];
            if (c == '\n') { _line++; _position++; }
            else if (c is ' ' or '\t' or '\r') _position++;
            else if (c == '#')
            {
                while (_position < text.Length && text[_position] != '\n') _position++;
            }
            else return;
        }
    }

    private string Bare()
    {
        var start = _position;
        while (_position < text.Length)
        {
            var c = text[_position];
            // As in nginx, "}" inside a word is a letter: only at the start of a token does it close a block.
            if (c is ' ' or '\t' or '\r' or '\n' or ';') break;
            if (c == '\0') throw NulCharacter();
            if (c == '{')
            {
                // "${" is a variable in nginx (e.g. ${host}), every other "{" opens a block.
                if (_position > start && text[_position - 1] == '$') { _position++; continue; }
                break;
            }
            if (c == '\\' && _position + 1 < text.Length)
            {
                if (text[_position + 1] == '\0') throw NulCharacter();
                if (text[_position + 1] == '\n') _line++;
                _position += 2;
                continue;
            }
            _position++;
        }
        return Unescape(text.AsSpan(start, _position - start));
    }

    private string Quoted(char quote)
    {
        var start = ++_position;
        while (true)
        {
            if (_position >= text.Length)
                throw new NginxConfigurationException("unexpected end of file, expecting \";\" or \"}\"", new(file, _line));
            var c = text[_position];
            if (c == '\n') _line++;
            if (c == '\0') throw NulCharacter();
            if (c == '\\' && _position + 1 < text.Length)
            {
                if (text[_position + 1] == '\0') throw NulCharacter();
                if (text[_position + 1] == '\n') _line++;
                _position += 2;
                continue;
            }
            if (c == quote) break;
            _position++;
        }
        var word = Unescape(text.AsSpan(start, _position - start));
        _position++;

        // nginx: after a closing quote only a separator may follow ("need_space").
        if (_position < text.Length && text[_position] is not (' ' or '\t' or '\r' or '\n' or ';' or '{' or '}' or ')'))
            throw new NginxConfigurationException($"unexpected \"{text[_position]}\"", new(file, _line));
        return word;
    }

    /// <summary>
    /// A NUL inside a word. nginx reads it as a letter and then hands the word to C functions that stop at it (open()
    /// of a certificate path opens a shorter name, a header value is cut short), so no configuration means it: refused
    /// here, where the line is known, rather than failing later as a .NET path or header error.
    /// </summary>
    private NginxConfigurationException NulCharacter() => new("unexpected NUL character", new(file, _line));

    private static string Unescape(ReadOnlySpan<char> raw)
    {
        if (raw.IndexOf('\\') < 0) return raw.ToString();
        var result = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 1 < raw.Length)
            {
                switch (raw[i + 1])
                {
                    case '"' or '\'' or '\\': result.Append(raw[i + 1]); i++; continue;
                    case 't': result.Append('\t'); i++; continue;
                    case 'r': result.Append('\r'); i++; continue;
                    case 'n': result.Append('\n'); i++; continue;
                }
            }
            result.Append(raw[i]);
        }
        return result.ToString();
    }
}
