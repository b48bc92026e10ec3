using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// Parses one IMAP command from the start of the client's input (RFC 9051 §2.2, §4; nginx's ngx_mail_imap_parse_command).
/// Like Kestrel's HttpParser it never consumes an incomplete command: it returns
/// <see cref="ImapParseStatus.Incomplete"/> and the caller parses again from the same start when more has arrived.
/// The whole command, literals included, must fit in <c>maxLength</c> bytes (<c>imap_client_buffer</c>), which also
/// bounds the work and the copy made when the input spans several buffer segments.
/// It runs once per client line, so it allocates only what it hands back: the tag, one array per argument value
/// and the argument and command objects. Command names are the cached constants of <see cref="KnownCommands"/>,
/// and arguments are gathered on the stack before being copied into an array of the exact size.
/// </summary>
internal static class ImapCommandParser
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';
    private const byte SP = (byte)' ';

    /// <summary>nginx 1.21.0 and later: tags of at most 32 characters from [A-Za-z0-9._-], stricter than RFC 9051 (ALPACA).</summary>
    public const int MaxTagLength = 32;

    /// <summary>
    /// The commands a client may send before login (nginx's list, plus ID). <see cref="ImapCommand.Name"/> is always
    /// one of these instances, so a parsed name costs no string.
    /// </summary>
    private static readonly string[] KnownCommands = ["CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "LOGIN", "AUTHENTICATE", "ID"];

    /// <summary>ID sends at most 30 field-value pairs (RFC 2971 §3.3); anything longer is not a real client.</summary>
    private const int MaxArguments = 64;

    /// <param name="input">The unconsumed client input.</param>
    /// <param name="acknowledgedLiterals">How many synchronising literals of this command already got <c>+ OK</c>.</param>
    /// <param name="maxLength">The longest command accepted.</param>
    public static ImapParseResult Parse(in ReadOnlySequence<byte> input, int acknowledgedLiterals, int maxLength)
    {
        var window = (int)Math.Min(input.Length, maxLength);
        if (input.IsSingleSegment)
            return Parse(input.FirstSpan[..window], acknowledgedLiterals, maxLength);

        var rented = ArrayPool<byte>.Shared.Rent(window);
        try
        {
            input.Slice(0, window).CopyTo(rented);
            return Parse(rented.AsSpan(0, window), acknowledgedLiterals, maxLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ImapParseResult Parse(ReadOnlySpan<byte> data, int acknowledgedLiterals, int maxLength)
    {
        var result = new Cursor(data, acknowledgedLiterals, maxLength).ParseCommand();
        // A command that is still incomplete when it already fills the buffer can never complete.
        return result.Status == ImapParseStatus.Incomplete && data.Length >= maxLength ? ImapParseResult.TooLong : result;
    }

    private ref struct Cursor(ReadOnlySpan<byte> data, int acknowledgedLiterals, int maxLength)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;
        private int _literalsSeen;
        // The tag's length once it proved valid. The string is made only for a result that carries it: a command
        // split across reads is parsed again from its start each time, and its Incomplete parses allocate nothing for it.
        private int _tagLength;

        public ImapParseResult ParseCommand()
        {
            // tag SP
            var tagEnd = _data.IndexOfAny(SP, CR, LF);
            if (tagEnd < 0) return ImapParseResult.Incomplete;
            if (tagEnd == 0 || tagEnd > MaxTagLength || !IsValidTag(_data[..tagEnd]) || _data[tagEnd] != SP) return Invalid(tagEnd);
            _tagLength = tagEnd;
            _pos = tagEnd + 1;

            // command name: letters only, ends at SP, CR or LF (src/mail/ngx_mail_handler.c)
            var nameStart = _pos;
            while (_pos < _data.Length && char.IsAsciiLetter((char)_data[_pos])) _pos++;
            if (_pos == _data.Length) return ImapParseResult.Incomplete;
            if (_pos == nameStart || _data[_pos] is not (SP or CR or LF)) return Invalid(_pos);
            // Like nginx's parser, know the pre-login commands only: the arguments of anything else are never
            // parsed, so an unknown command cannot make us send "+ OK" and read its literal.
            if (KnownCommand(_data[nameStart.._pos]) is not { } name) return Invalid(_pos);

            var arguments = new ArgumentBuffer();
            var count = 0;
            while (true)
            {
                var end = TryLineEnd(out var endLength);
                if (end == Step.Incomplete) return ImapParseResult.Incomplete;
                if (end == Step.Ok)
                {
                    var tag = Tag();
                    var command = new ImapCommand(tag, name, ToArray(arguments, count));
                    return new ImapParseResult(ImapParseStatus.Complete, command, _pos + endLength, tag, false);
                }
                if (_data[_pos] != SP) return Invalid(_pos);
                _pos++;
                if (count == MaxArguments) return Invalid(_pos);

                var step = ParseArgument(out var argument, allowList: true);
                if (step == Step.Ok) { arguments[count++] = argument!; continue; }
                if (step == Step.Invalid) return Invalid(_pos);
                return step == Step.NeedsContinuation ? ImapParseResult.NeedsContinuation
                    : step == Step.TooLong ? ImapParseResult.TooLong with { ReplyTag = Tag() }
                    : ImapParseResult.Incomplete;
            }
        }

        private enum Step { Ok, Incomplete, Invalid, NeedsContinuation, TooLong, NotHere }

        /// <summary>
        /// Room for <see cref="MaxArguments"/> arguments on the stack: a command's arguments (or a list's items) are
        /// collected here and copied once into an array of the right size, instead of growing a List.
        /// </summary>
        [InlineArray(MaxArguments)]
        private struct ArgumentBuffer
        {
            private ImapArgument _first;
        }

        private static ImapArgument[] ToArray(ReadOnlySpan<ImapArgument> arguments, int count) =>
            count == 0 ? [] : arguments[..count].ToArray();

        /// <summary>The cached name for a command name of ASCII letters, compared case-insensitively; null when unknown.</summary>
        private static string? KnownCommand(ReadOnlySpan<byte> name)
        {
            foreach (var known in KnownCommands)
            {
                if (Ascii.EqualsIgnoreCase(name, known)) return known;
            }
            return null;
        }

        /// <summary>CRLF, or a bare LF as nginx accepts; a CR not followed by LF is invalid.</summary>
        private readonly Step TryLineEnd(out int length)
        {
            length = 0;
            if (_pos >= _data.Length) return Step.Incomplete;
            if (_data[_pos] == LF) { length = 1; return Step.Ok; }
            if (_data[_pos] != CR) return Step.NotHere;
            if (_pos + 1 >= _data.Length) return Step.Incomplete;
            if (_data[_pos + 1] != LF) return Step.Invalid;
            length = 2;
            return Step.Ok;
        }

        private Step ParseArgument(out ImapArgument? argument, bool allowList)
        {
            argument = null;
            if (_pos >= _data.Length) return Step.Incomplete;
            return _data[_pos] switch
            {
                (byte)'"' => ParseQuoted(out argument),
                (byte)'{' => ParseLiteral(out argument),
                (byte)'(' when allowList => ParseList(out argument),
                _ => ParseAtom(out argument),
            };
        }

        private Step ParseAtom(out ImapArgument? argument)
        {
            argument = null;
            var start = _pos;
            while (_pos < _data.Length && _data[_pos] is not (SP or CR or LF or (byte)')'))
            {
                // Atoms exclude specials and controls (RFC 9051 §9 ATOM-CHAR); bytes >= 0x80 are let through for UTF-8 logins.
                if (_data[_pos] is < 0x20 or 0x7F or (byte)'(' or (byte)'{' or (byte)'"') return Step.Invalid;
                _pos++;
            }
            if (_pos == _data.Length) return Step.Incomplete;
            if (_pos == start) return Step.Invalid;
            argument = new ImapArgument(ImapArgumentKind.Atom, _data[start.._pos].ToArray());
            return Step.Ok;
        }

        private Step ParseQuoted(out ImapArgument? argument)
        {
            argument = null;
            _pos++; // opening quote
            var start = _pos;
            var escapes = 0;
            while (true)
            {
                if (_pos >= _data.Length) return Step.Incomplete;
                var b = _data[_pos++];
                if (b == (byte)'"') break;
                if (b is CR or LF or 0) return Step.Invalid;
                if (b == (byte)'\\')
                {
                    // Only \" and \\ are quoted-specials; an escape before CR/LF is invalid (src/mail/ngx_mail_imap_handler.c).
                    if (_pos >= _data.Length) return Step.Incomplete;
                    b = _data[_pos++];
                    if (b is not ((byte)'"' or (byte)'\\')) return Step.Invalid;
                    escapes++;
                }
            }
            // The first pass validated and counted; now copy into an array of the decoded size.
            var quoted = _data[start..(_pos - 1)];
            argument = new ImapArgument(ImapArgumentKind.Quoted, escapes == 0 ? quoted.ToArray() : Unescape(quoted, escapes));
            return Step.Ok;
        }

        /// <summary>Drops the backslash of each <c>\"</c> and <c>\\</c> of a validated quoted string.</summary>
        private static byte[] Unescape(ReadOnlySpan<byte> quoted, int escapes)
        {
            var value = new byte[quoted.Length - escapes];
            var written = 0;
            for (var i = 0; i < quoted.Length; i++)
            {
                if (quoted[i] == (byte)'\\') i++;
                value[written++] = quoted[i];
            }
            return value;
        }

        private Step ParseLiteral(out ImapArgument? argument)
        {
            argument = null;
            _pos++; // '{'
            long length = 0;
            var digits = 0;
            while (_pos < _data.Length && char.IsAsciiDigit((char)_data[_pos]))
            {
                // The length is capped by the buffer long before it could overflow (nginx 1.29.6 fixed an overflow here).
                length = length * 10 + (_data[_pos] - '0');
                if (length > maxLength) return Step.TooLong;
                digits++;
                _pos++;
            }
            if (_pos >= _data.Length) return Step.Incomplete;
            if (digits == 0) return Step.Invalid;
            var synchronising = true;
            if (_data[_pos] == (byte)'+') { synchronising = false; _pos++; }
            if (_pos >= _data.Length) return Step.Incomplete;
            if (_data[_pos++] != (byte)'}') return Step.Invalid;
            var end = TryLineEnd(out var endLength);
            if (end == Step.Incomplete) return Step.Incomplete;
            if (end != Step.Ok) return Step.Invalid;
            _pos += endLength;

            var literalIndex = _literalsSeen++;
            if (_data.Length - _pos < length)
            {
                // The client sends a synchronising literal only after our "+ OK" (RFC 9051 §4.3).
                return synchronising && literalIndex >= acknowledgedLiterals ? Step.NeedsContinuation : Step.Incomplete;
            }
            argument = new ImapArgument(ImapArgumentKind.Literal, _data.Slice(_pos, (int)length).ToArray());
            _pos += (int)length;
            // After a literal only SP or the line end may follow (nginx 1.29.6).
            if (_pos >= _data.Length) return Step.Incomplete;
            return _data[_pos] is SP or CR or LF or (byte)')' ? Step.Ok : Step.Invalid;
        }

        private Step ParseList(out ImapArgument? argument)
        {
            argument = null;
            _pos++; // '('
            var items = new ArgumentBuffer();
            var count = 0;
            while (true)
            {
                if (_pos >= _data.Length) return Step.Incomplete;
                if (_data[_pos] == (byte)')') { _pos++; break; }
                if (count > 0)
                {
                    if (_data[_pos] != SP) return Step.Invalid;
                    _pos++;
                }
                if (count == MaxArguments) return Step.Invalid;
                var step = ParseArgument(out var item, allowList: false);
                if (step != Step.Ok) return step;
                items[count++] = item!;
            }
            if (_pos >= _data.Length) return Step.Incomplete;
            if (_data[_pos] is not (SP or CR or LF)) return Step.Invalid;
            argument = new ImapArgument(ImapArgumentKind.List, [], ToArray(items, count));
            return Step.Ok;
        }

        private static bool IsValidTag(ReadOnlySpan<byte> tag)
        {
            foreach (var b in tag)
                if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'_' or (byte)'-')) return false;
            return true;
        }

        /// <summary>The client's tag for the reply, or <c>*</c> while no valid tag has been read.</summary>
        private readonly string Tag() => _tagLength == 0 ? "*" : Encoding.ASCII.GetString(_data[.._tagLength]);

        /// <summary>Consumes the rest of the bad line so the next command starts clean; waits for its end if need be.</summary>
        private readonly ImapParseResult Invalid(int at)
        {
            var lf = _data[Math.Min(at, _data.Length)..].IndexOf(LF);
            if (lf < 0) return ImapParseResult.Incomplete;
            var lineEnd = Math.Min(at, _data.Length) + lf;
            var line = _data[..lineEnd];
            if (line.Length > 0 && line[^1] == CR) line = line[..^1];
            return new ImapParseResult(ImapParseStatus.Invalid, null, lineEnd + 1, Tag(), EndsWithNonSynchronisingLiteral(line));
        }

        private static bool EndsWithNonSynchronisingLiteral(ReadOnlySpan<byte> line)
        {
            if (!line.EndsWith("+}"u8)) return false;
            var open = line.LastIndexOf((byte)'{');
            if (open < 0) return false;
            var digits = line[(open + 1)..^2];
            return digits.Length > 0 && digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
        }
    }
}
