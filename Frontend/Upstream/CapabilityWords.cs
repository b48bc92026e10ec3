namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// The space-separated lists in which upstreams advertise what they offer: IMAP's CAPABILITY (RFC 3501 §7.2.1),
/// POP3 CAPA's <c>SASL</c> line (RFC 5034 §6) and SMTP EHLO's <c>AUTH</c> line (RFC 4954 §3). Words compare
/// case-insensitively, as all three define them; nothing is allocated.
/// </summary>
internal static class CapabilityWords
{
    /// <summary>Whether <paramref name="list"/> names <paramref name="word"/>.</summary>
    public static bool Contains(ReadOnlySpan<char> list, string word)
    {
        foreach (var range in list.Split(' '))
            if (list[range].Equals(word, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
