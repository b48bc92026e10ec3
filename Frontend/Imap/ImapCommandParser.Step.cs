using System.Buffers;
using System.Text;

namespace OrleansMail.Frontend.Imap;

internal sealed partial class ImapCommandParser
{
    /// <summary>Bytes that end an atom (SP, CR, LF, ")") or make it invalid (controls, DEL, "(", "{", DQUOTE; RFC 9051 §9 ATOM-CHAR).</summary>
    private static readonly SearchValues<byte> AtomStops = SearchValues.Create(
        [.. Enumerable.Range(0, 0x21).Select(b => (byte)b), 0x7F, (byte)'(', (byte)')', (byte)'{', (byte)'"']);

    /// <summary>Bytes a quoted string stops at: its end, an escape, or what it may not contain.</summary>
    private static readonly SearchValues<byte> QuotedStops = SearchValues.Create("\"\\\r\n\0"u8);

    private static readonly SearchValues<byte> TagStops = SearchValues.Create(" \r\n"u8);

    private static readonly SearchValues<byte> LineFeed = SearchValues.Create("\n"u8);

    /// <summary>
    /// One call's walk over the input from where the last one stopped. Every phase either finishes its element or
    /// returns with the reader where the phase resumes (its partial state is in the parser's fields).
    /// </summary>
    private ref struct Step(
        ImapCommandParser parser, ReadOnlySequence<byte> visible, SequenceReader<byte> reader, long startOffset,
        int acknowledgedLiterals, int maxLength)
    {
        private readonly ImapCommandParser _p = parser;
        private readonly ReadOnlySequence<byte> _visible = visible;
        private SequenceReader<byte> _reader = reader;

        /// <summary>The reader's position as an offset from the command's start.</summary>
        private readonly long Offset => startOffset + _reader.Consumed;

        public ImapParseResult Run()
        {
            while (true)
            {
                switch (_p._phase)
                {
                    case Phase.Tag:
                    {
                        // tag SP
                        if (!AdvanceToAny(TagStops)) return Incomplete();
                        var tagEnd = Offset;
                        _reader.TryPeek(out var stop);
                        if (tagEnd == 0 || tagEnd > MaxTagLength || !IsValidTag(_visible.Slice(0, tagEnd)) || stop != SP)
                        {
                            Invalid(tagEnd);
                            continue;
                        }
                        _p._tagLength = (int)tagEnd;
                        _reader.Advance(1);
                        _p._elementStart = Offset;
                        _p._phase = Phase.Name;
                        continue;
                    }

                    case Phase.Name:
                    {
                        // command name: letters only, ends at SP, CR or LF (src/mail/ngx_mail_parse.c)
                        while (_reader.TryPeek(out var letter) && char.IsAsciiLetter((char)letter)) _reader.Advance(1);
                        if (!_reader.TryPeek(out var stop)) return Incomplete();
                        var nameEnd = Offset;
                        // Like nginx's parser, know the pre-login commands only: the arguments of anything else are never
                        // parsed, so an unknown command cannot make us send "+ OK" and read its literal.
                        if (nameEnd == _p._elementStart || stop is not (SP or CR or LF)
                            || KnownCommand(_visible.Slice(_p._elementStart, nameEnd - _p._elementStart)) is not { } name)
                        {
                            Invalid(nameEnd);
                            continue;
                        }
                        _p._name = name;
                        _p._phase = Phase.LineEndOrSpace;
                        continue;
                    }

                    case Phase.LineEndOrSpace:
                    {
                        // CRLF, or a bare LF as nginx accepts, ends the command; SP starts another argument.
                        if (!_reader.TryPeek(out var next)) return Incomplete();
                        if (next == LF) return Complete(1);
                        if (next == CR)
                        {
                            if (!_reader.TryPeek(1, out var afterCr)) return Incomplete();
                            if (afterCr == LF) return Complete(2);
                        }
                        if (next != SP)
                        {
                            Invalid(Offset);
                            continue;
                        }
                        _reader.Advance(1);
                        if (_p._arguments.Count == MaxArguments)
                        {
                            Invalid(Offset);
                            continue;
                        }
                        _p._phase = Phase.Argument;
                        continue;
                    }

                    case Phase.Argument:
                        StartArgument();
                        if (_p._phase == Phase.Argument) return Incomplete();
                        continue;

                    case Phase.Atom:
                    {
                        if (!AdvanceToAny(AtomStops)) return Incomplete();
                        _reader.TryPeek(out var stop);
                        // Bytes >= 0x80 are let through for UTF-8 logins.
                        if (stop is not (SP or CR or LF or (byte)')') || Offset == _p._elementStart)
                        {
                            Invalid(Offset);
                            continue;
                        }
                        Finish(new ImapArgument(ImapArgumentKind.Atom, ElementBytes(Offset - _p._elementStart).ToArray()));
                        continue;
                    }

                    case Phase.Quoted:
                        if (!ParseQuoted()) return Incomplete();
                        continue;

                    case Phase.LiteralHeader:
                    {
                        var header = ParseLiteralHeader();
                        if (header == HeaderStep.TooLong) return ImapParseResult.TooLong with { ReplyTag = Tag() };
                        if (header == HeaderStep.Incomplete) return Incomplete();
                        continue;
                    }

                    case Phase.LiteralBody:
                        if (_visible.Length < _p._literalEnd)
                        {
                            // The client sends a synchronising literal only after our "+ OK" (RFC 9051 §4.3). The bytes
                            // so far are counted, not scanned: the next read looks at the length again.
                            return _p._literalSynchronising && _p._literalIndex >= acknowledgedLiterals ? NeedsContinuation() : Incomplete();
                        }
                        _reader.Advance(_p._literalEnd - Offset);
                        _p._phase = Phase.AfterLiteral;
                        continue;

                    case Phase.AfterLiteral:
                    {
                        // After a literal only SP or the line end may follow (nginx 1.29.6).
                        if (!_reader.TryPeek(out var next)) return Incomplete();
                        if (next is not (SP or CR or LF or (byte)')'))
                        {
                            Invalid(Offset);
                            continue;
                        }
                        Finish(new ImapArgument(ImapArgumentKind.Literal, ElementBytes(_p._literalLength).ToArray()));
                        continue;
                    }

                    case Phase.ListSeparator:
                    {
                        if (!_reader.TryPeek(out var next)) return Incomplete();
                        var items = _p._listItems;
                        if (next == (byte)')')
                        {
                            _reader.Advance(1);
                            _p._phase = Phase.AfterList;
                            continue;
                        }
                        if (items.Count > 0)
                        {
                            if (next != SP)
                            {
                                Invalid(Offset);
                                continue;
                            }
                            _reader.Advance(1);
                        }
                        if (items.Count == MaxArguments)
                        {
                            Invalid(Offset);
                            continue;
                        }
                        _p._phase = Phase.Argument;
                        continue;
                    }

                    case Phase.AfterList:
                    {
                        if (!_reader.TryPeek(out var next)) return Incomplete();
                        if (next is not (SP or CR or LF))
                        {
                            Invalid(Offset);
                            continue;
                        }
                        _p._inList = false;
                        Finish(new ImapArgument(ImapArgumentKind.List, [], _p._listItems.ToArray()));
                        _p._listItems.Clear();
                        continue;
                    }

                    default:
                        return SkipLine();
                }
            }
        }

        /// <summary>The first byte of an argument says its kind (RFC 9051 §4); a list only at the top level (ID).</summary>
        private void StartArgument()
        {
            if (!_reader.TryPeek(out var first)) return;
            _p._elementStart = Offset;
            switch (first)
            {
                case (byte)'"':
                    _reader.Advance(1);
                    _p._elementStart = Offset;
                    _p._escapes = 0;
                    _p._phase = Phase.Quoted;
                    break;
                case (byte)'{':
                    _reader.Advance(1);
                    _p._literalLength = 0;
                    _p._literalDigits = 0;
                    _p._phase = Phase.LiteralHeader;
                    break;
                case (byte)'(' when !_p._inList:
                    _reader.Advance(1);
                    _p._inList = true;
                    _p._phase = Phase.ListSeparator;
                    break;
                default:
                    _p._phase = Phase.Atom;
                    break;
            }
        }

        /// <summary>A quoted string's bytes up to its closing quote; false when more input is needed.</summary>
        private bool ParseQuoted()
        {
            while (true)
            {
                if (!AdvanceToAny(QuotedStops)) return false;
                _reader.TryPeek(out var stop);
                if (stop == (byte)'"')
                {
                    var quoted = ElementBytes(Offset - _p._elementStart);
                    _reader.Advance(1);
                    Finish(new ImapArgument(ImapArgumentKind.Quoted, Unescape(quoted, _p._escapes)));
                    return true;
                }
                if (stop is CR or LF or 0)
                {
                    Invalid(Offset + 1);
                    return true;
                }
                // Only \" and \\ are quoted-specials; an escape before CR/LF is invalid (src/mail/ngx_mail_imap_handler.c).
                // An escape split across reads is read again whole: the reader stays on its backslash.
                if (!_reader.TryPeek(1, out var escaped)) return false;
                if (escaped is not ((byte)'"' or (byte)'\\'))
                {
                    Invalid(Offset + 2);
                    return true;
                }
                _reader.Advance(2);
                _p._escapes++;
            }
        }

        private enum HeaderStep { Done, Incomplete, TooLong }

        /// <summary><c>{digits}</c> or <c>{digits+}</c> and the line end; the digits are counted as they arrive.</summary>
        private HeaderStep ParseLiteralHeader()
        {
            while (_reader.TryPeek(out var digit) && char.IsAsciiDigit((char)digit))
            {
                // The length is capped by the buffer long before it could overflow (nginx 1.29.6 fixed an overflow here).
                _p._literalLength = _p._literalLength * 10 + (digit - '0');
                if (_p._literalLength > maxLength) return HeaderStep.TooLong;
                _p._literalDigits++;
                _reader.Advance(1);
            }
            if (_reader.End) return HeaderStep.Incomplete;
            if (_p._literalDigits == 0)
            {
                Invalid(Offset);
                return HeaderStep.Done;
            }
            // The rest is at most "+}\r\n": peeked, so a header split here is read again from its first non-digit.
            _reader.TryPeek(out var next);
            var synchronising = next != (byte)'+';
            var at = synchronising ? 0L : 1L;
            if (!_reader.TryPeek(at, out next)) return HeaderStep.Incomplete;
            if (next != (byte)'}')
            {
                Invalid(Offset + at + 1);
                return HeaderStep.Done;
            }
            if (!_reader.TryPeek(at + 1, out next)) return HeaderStep.Incomplete;
            var lineEnd = 0L;
            if (next == LF) lineEnd = 1;
            else if (next == CR)
            {
                if (!_reader.TryPeek(at + 2, out next)) return HeaderStep.Incomplete;
                if (next == LF) lineEnd = 2;
            }
            if (lineEnd == 0)
            {
                Invalid(Offset + at + 1);
                return HeaderStep.Done;
            }
            _reader.Advance(at + 1 + lineEnd);
            _p._literalIndex = _p._literalsSeen++;
            _p._literalSynchronising = synchronising;
            _p._elementStart = Offset;
            _p._literalEnd = Offset + _p._literalLength;
            _p._phase = Phase.LiteralBody;
            return HeaderStep.Done;
        }

        /// <summary>An argument is whole: into the list being read, or the command's arguments.</summary>
        private readonly void Finish(ImapArgument argument)
        {
            if (_p._inList)
            {
                _p._listItems.Add(argument);
                _p._phase = Phase.ListSeparator;
            }
            else
            {
                _p._arguments.Add(argument);
                _p._phase = Phase.LineEndOrSpace;
            }
        }

        private readonly ReadOnlySequence<byte> ElementBytes(long length) => _visible.Slice(_p._elementStart, length);

        /// <summary>Moves to the first of <paramref name="stops"/>, or to the end (all examined) when there is none.</summary>
        private bool AdvanceToAny(SearchValues<byte> stops)
        {
            while (!_reader.End)
            {
                var span = _reader.UnreadSpan;
                var index = span.IndexOfAny(stops);
                if (index >= 0)
                {
                    _reader.Advance(index);
                    return true;
                }
                _reader.Advance(span.Length);
            }
            return false;
        }

        private ImapParseResult Complete(int lineEnd)
        {
            _reader.Advance(lineEnd);
            var tag = Tag();
            var command = new ImapCommand(tag, _p._name!, _p._arguments.Count == 0 ? [] : _p._arguments.ToArray());
            return new ImapParseResult(ImapParseStatus.Complete, command, (int)Offset, tag, false);
        }

        /// <summary>A bad line: the rest of it is skipped (from <paramref name="at"/>) so the next command starts clean.</summary>
        private readonly void Invalid(long at)
        {
            _p._skipFrom = at;
            _p._phase = Phase.SkipLine;
        }

        private ImapParseResult SkipLine()
        {
            if (Offset < _p._skipFrom) _reader.Advance(Math.Min(_p._skipFrom - Offset, _reader.Remaining));
            if (!AdvanceToAny(LineFeed)) return Incomplete();
            _reader.Advance(1);
            var consumed = Offset;
            return new ImapParseResult(ImapParseStatus.Invalid, null, (int)consumed, Tag(), EndsWithNonSynchronisingLiteral(_visible.Slice(0, consumed)));
        }

        private readonly ImapParseResult Incomplete()
        {
            _p.SaveResume(_visible, _reader, Offset);
            return ImapParseResult.Incomplete;
        }

        private readonly ImapParseResult NeedsContinuation()
        {
            _p.SaveResume(_visible, _reader, Offset);
            return ImapParseResult.NeedsContinuation;
        }

        /// <summary>The client's tag for the reply, or <c>*</c> while no valid tag has been read.</summary>
        private readonly string Tag()
        {
            if (_p._tagLength == 0) return "*";
            // Through the stack: decoding a multi-segment sequence directly would allocate a decoder.
            Span<byte> tag = stackalloc byte[MaxTagLength];
            _visible.Slice(0, _p._tagLength).CopyTo(tag);
            return Encoding.ASCII.GetString(tag[.._p._tagLength]);
        }
    }
}
