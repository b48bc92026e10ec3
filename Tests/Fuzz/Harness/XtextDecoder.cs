using System.Text;

namespace OrleansMail.Fuzz.Harness;

/// <summary>
/// xtext back to text, strictly as RFC 1891 §5 defines it: <c>xtext = *( xchar / hexchar )</c>, xchar any of
/// <c>!</c> to <c>~</c> except <c>+</c> and <c>=</c>, hexchar <c>+</c> and two upper-case hex digits. The product only
/// encodes (Postfix decodes), so the harness carries the decoder the round trip needs.
/// </summary>
internal static class XtextDecoder
{
    /// <summary>The decoded text, or null when <paramref name="xtext"/> is not xtext.</summary>
    public static string? Decode(string xtext)
    {
        var bytes = new List<byte>(xtext.Length);
        for (var i = 0; i < xtext.Length; i++)
        {
            var c = xtext[i];
            if (c == '+')
            {
                if (i + 2 >= xtext.Length || !IsUpperHex(xtext[i + 1]) || !IsUpperHex(xtext[i + 2])) return null;
                bytes.Add(Convert.ToByte(xtext.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c is >= '!' and <= '~' and not '=') bytes.Add((byte)c);
            else return null;
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsUpperHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F';
}
