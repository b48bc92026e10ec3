using System.Buffers;
using System.Text;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// Parses one IMAP command from the start of the client's input (RFC 9051 §2.2, §4; nginx's ngx_mail_imap_parse_command
/// in src/mail/ngx_mail_parse.c), incrementally in the style of Kestrel's HttpParser: a <see cref="SequenceReader{T}"/>
/// over the buffered input, nothing consumed until a whole command (or a whole bad line) is there.
/// One instance reads one client's commands. Between reads of the same command it keeps where it stopped (the element
/// being parsed and the arguments already decoded), so each read examines only the bytes that arrived since, and a
/// literal's bytes are skipped by count, never scanned: a command of n bytes costs O(n) however it is split.
/// The caller passes the unconsumed input, which starts at the same command until a result other than
/// <see cref="ImapParseStatus.Incomplete"/> or <see cref="ImapParseStatus.NeedsContinuation"/>; after one the
/// parser is ready for the next command. Everything past <c>maxLength</c> bytes (<c>imap_client_buffer</c>) is ignored.
/// </summary>
internal sealed partial class ImapCommandParser
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

    /// <summary>The longest of <see cref="KnownCommands"/>: a longer name is unknown without looking at it.</summary>
    private const int MaxCommandLength = 12;

    /// <summary>ID sends at most 30 field-value pairs (RFC 2971 §3.3); anything longer is not a real client.</summary>
    private const int MaxArguments = 64;

    /// <summary>Where the command being read stands; each phase resumes at the reader's position.</summary>
    private enum Phase
    {
        Tag,
        Name,
        LineEndOrSpace,
        Argument,
        Atom,
        Quoted,
        LiteralHeader,
        LiteralBody,
        AfterLiteral,
        ListSeparator,
        AfterList,
        SkipLine,
    }

    private Phase _phase;

    // Where the last read stopped examining, as an offset from the command's start and as a position in the input it
    // was read from: a later read of the same pipe buffer resumes there without walking the segments before it.
    private long _resumeOffset;
    private SequencePosition _resumePosition;
    private object? _inputStart;
    private int _inputStartIndex;

    private int _tagLength;
    private string? _name;
    private readonly List<ImapArgument> _arguments = [];
    private readonly List<ImapArgument> _listItems = [];
    private bool _inList;
    private int _literalsSeen;

    // The element being parsed: where it starts, and its partial state.
    private long _elementStart;
    private int _escapes;
    private long _literalLength;
    private int _literalDigits;
    private long _literalEnd;
    private bool _literalSynchronising;
    private int _literalIndex;
    private long _skipFrom;

    /// <param name="input">The unconsumed client input: the command being read and whatever follows it.</param>
    /// <param name="acknowledgedLiterals">How many synchronising literals of this command already got <c>+ OK</c>.</param>
    /// <param name="maxLength">The longest command accepted.</param>
    public ImapParseResult Parse(in ReadOnlySequence<byte> input, int acknowledgedLiterals, int maxLength)
    {
        // Slicing a multi-segment sequence walks its segments: only when there is more than the limit.
        var visible = input.Length <= maxLength ? input : input.Slice(0, maxLength);
        var reader = new SequenceReader<byte>(visible.Slice(ResumePosition(visible)));
        var result = new Step(this, visible, reader, _resumeOffset, acknowledgedLiterals, maxLength).Run();
        if (result.Status is ImapParseStatus.Incomplete or ImapParseStatus.NeedsContinuation)
        {
            // A command that is still incomplete when it already fills the buffer can never complete.
            if (result.Status == ImapParseStatus.Incomplete && visible.Length >= maxLength)
            {
                Reset();
                return ImapParseResult.TooLong;
            }
            return result;
        }
        Reset();
        return result;
    }

    /// <summary>Forgets the command being read: the next call parses from the start of its input.</summary>
    public void Reset()
    {
        _phase = Phase.Tag;
        _resumeOffset = 0;
        _inputStart = null;
        _tagLength = 0;
        _name = null;
        _arguments.Clear();
        _listItems.Clear();
        _inList = false;
        _literalsSeen = 0;
    }

    private SequencePosition ResumePosition(in ReadOnlySequence<byte> visible)
    {
        if (_resumeOffset > visible.Length) _resumeOffset = visible.Length;
        // The same buffer grown by a read: the saved position is still valid. Any other input: count from its start.
        var sameInput = _inputStart is not null && ReferenceEquals(visible.Start.GetObject(), _inputStart)
            && visible.Start.GetInteger() == _inputStartIndex;
        return sameInput ? _resumePosition : visible.GetPosition(_resumeOffset);
    }

    private void SaveResume(in ReadOnlySequence<byte> visible, in SequenceReader<byte> reader, long offset)
    {
        _resumeOffset = offset;
        _resumePosition = reader.Position;
        _inputStart = visible.Start.GetObject();
        _inputStartIndex = visible.Start.GetInteger();
    }

    /// <summary>The cached name for a command name of ASCII letters, compared case-insensitively; null when unknown.</summary>
    private static string? KnownCommand(in ReadOnlySequence<byte> name)
    {
        if (name.Length > MaxCommandLength) return null;
        Span<byte> letters = stackalloc byte[MaxCommandLength];
        name.CopyTo(letters);
        foreach (var known in KnownCommands)
        {
            if (Ascii.EqualsIgnoreCase(letters[..(int)name.Length], known)) return known;
        }
        return null;
    }

    private static bool IsValidTag(in ReadOnlySequence<byte> tag)
    {
        foreach (var segment in tag)
        {
            foreach (var b in segment.Span)
                if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'_' or (byte)'-')) return false;
        }
        return true;
    }

    /// <summary>The bytes of a quoted string less the backslash of each <c>\"</c> and <c>\\</c> (already validated).</summary>
    private static byte[] Unescape(in ReadOnlySequence<byte> quoted, int escapes)
    {
        if (escapes == 0) return quoted.ToArray();
        var value = new byte[quoted.Length - escapes];
        var written = 0;
        var escaped = false;
        foreach (var segment in quoted)
        {
            foreach (var b in segment.Span)
            {
                if (b == (byte)'\\' && !escaped) { escaped = true; continue; }
                escaped = false;
                value[written++] = b;
            }
        }
        return value;
    }

    /// <summary>
    /// An invalid line that ends in a non-synchronising literal <c>{n+}</c>: its data is already on the way and
    /// would otherwise be parsed as commands, so nginx replies and closes (src/mail/ngx_mail_imap_handler.c).
    /// </summary>
    private static bool EndsWithNonSynchronisingLiteral(in ReadOnlySequence<byte> lineWithEnd)
    {
        // Once per bad line; the line is normally short and in one segment.
        ReadOnlySpan<byte> line = lineWithEnd.IsSingleSegment ? lineWithEnd.FirstSpan : lineWithEnd.ToArray();
        line = line[..^1];
        if (line.Length > 0 && line[^1] == CR) line = line[..^1];
        if (!line.EndsWith("+}"u8)) return false;
        var open = line.LastIndexOf((byte)'{');
        if (open < 0) return false;
        var digits = line[(open + 1)..^2];
        return digits.Length > 0 && digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }
}
