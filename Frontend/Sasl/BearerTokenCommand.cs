using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Sasl;

/// <summary>
/// Recognises, from its first bytes, a command line that starts a bearer-token login: IMAP
/// <c>tag AUTHENTICATE XOAUTH2|OAUTHBEARER</c>, POP3 and SMTP <c>AUTH XOAUTH2|OAUTHBEARER</c>. Such a line may be as
/// long as sasl_oauth_buffer allows, every other one only as long as the protocol's client buffer
/// (README "Bearer-token logins"), so the decision is made on the line's start, before it has all arrived.
/// </summary>
internal static class BearerTokenCommand
{
    /// <summary>Enough for the longest start that decides: a 32-character tag, AUTHENTICATE, OAUTHBEARER and the spaces.</summary>
    private const int StartLength = 64;

    /// <summary>
    /// True when <paramref name="line"/> (a whole line, or the start of one still arriving when
    /// <paramref name="complete"/> is false) is such a command naming a mechanism in <paramref name="usable"/>.
    /// A start too short to tell counts as one: the whole line is judged again when it has arrived.
    /// </summary>
    public static bool Starts(in ReadOnlySequence<byte> line, SaslMechanisms usable, bool imap, bool complete)
    {
        if ((usable & SaslOAuthSettings.BearerMechanisms) == 0) return false;
        Span<byte> start = stackalloc byte[StartLength];
        var length = (int)Math.Min(line.Length, StartLength);
        line.Slice(0, length).CopyTo(start);
        return Starts(start[..length], usable, imap, complete || line.Length > StartLength);
    }

    private static bool Starts(ReadOnlySpan<byte> data, SaslMechanisms usable, bool imap, bool complete)
    {
        if (imap)
        {
            var tagEnd = data.IndexOf((byte)' ');
            if (tagEnd < 0) return !complete && data.IndexOfAny((byte)'\r', (byte)'\n') < 0;
            if (tagEnd == 0) return false;
            data = data[(tagEnd + 1)..];
        }
        var command = imap ? "AUTHENTICATE"u8 : "AUTH"u8;
        if (!StartsWithWord(ref data, command, complete, out var undecided)) return undecided;
        var spaces = data.IndexOfAnyExcept((byte)' ');
        if (spaces < 0) return !complete;
        if (spaces == 0) return false;
        data = data[spaces..];
        var nameEnd = data.IndexOfAny((byte)' ', (byte)'\r', (byte)'\n');
        var name = nameEnd < 0 ? data : data[..nameEnd];
        if (nameEnd < 0 && !complete)
            return IsPrefixOf(name, "XOAUTH2"u8) && usable.HasFlag(SaslMechanisms.XOAuth2)
                || IsPrefixOf(name, "OAUTHBEARER"u8) && usable.HasFlag(SaslMechanisms.OAuthBearer);
        return Ascii.EqualsIgnoreCase(name, "XOAUTH2"u8) && usable.HasFlag(SaslMechanisms.XOAuth2)
            || Ascii.EqualsIgnoreCase(name, "OAUTHBEARER"u8) && usable.HasFlag(SaslMechanisms.OAuthBearer);
    }

    /// <summary>Takes <paramref name="word"/> (any case) off the start; <paramref name="undecided"/> when the data ends inside it.</summary>
    private static bool StartsWithWord(ref ReadOnlySpan<byte> data, ReadOnlySpan<byte> word, bool complete, out bool undecided)
    {
        undecided = false;
        if (data.Length < word.Length)
        {
            undecided = !complete && IsPrefixOf(data, word);
            return false;
        }
        if (!Ascii.EqualsIgnoreCase(data[..word.Length], word)) return false;
        data = data[word.Length..];
        return true;
    }

    private static bool IsPrefixOf(ReadOnlySpan<byte> start, ReadOnlySpan<byte> word) =>
        start.Length <= word.Length && Ascii.EqualsIgnoreCase(start, word[..start.Length]);
}
