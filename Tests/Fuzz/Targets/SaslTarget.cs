using System.Text;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// Every SASL decoder on one client response line (the text after the command, or a line answering a challenge):
/// <see cref="SaslDecoder"/> PLAIN, LOGIN, CRAM-MD5, EXTERNAL and <see cref="BearerTokenDecoder"/> XOAUTH2,
/// OAUTHBEARER. A decoder may refuse; what it accepts must be strict base64 of what it returns (re-encoding the
/// credentials gives a response that decodes to the same), with no CR, LF or NUL in any login or secret, and its
/// allocation bounded by the response's length. The mechanism name parser sees the same text.
/// </summary>
internal sealed class SaslTarget : IFuzzTarget
{
    public string Name => "sasl";

    public void Run(ReadOnlyMemory<byte> input)
    {
        // The session hands the decoders the line as UTF-8 text (LineReader), so do the same.
        var response = Encoding.UTF8.GetString(input.Span);
        var name = SaslDecoder.ParseMechanism(response);
        Invariant.That(name is null || response.Length <= 11, "a long text parsed as a mechanism name");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var plain = SaslDecoder.TryDecodePlain(response, out var plainCredentials);
        var text = SaslDecoder.TryDecodeText(response, out var decodedText);
        var cram = SaslDecoder.TryDecodeCramMd5(response, "<1.2@example.org>", out var cramCredentials);
        var external = SaslDecoder.TryDecodeExternal(response, out var externalCredentials);
        var xoauth2 = BearerTokenDecoder.TryDecodeXOAuth2(response, out var xoauth2Credentials);
        var oauthBearer = BearerTokenDecoder.TryDecodeOAuthBearer(response, out var oauthBearerCredentials);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Six decodes: their strings, OAUTHBEARER's unescaped name, a pooled scratch array. Invalid UTF-8 costs most: .NET's
        // replacement fallback allocates for each bad sequence (measured worst: 1 KB + 102 bytes a character).
        Invariant.AllocationBounded(allocated, response.Length, 1024, 128, "the SASL decoders");

        if (plain)
        {
            Safe(plainCredentials!);
            Invariant.That(plainCredentials!.Login.Length > 0, "PLAIN accepted an empty login");
            // authzid NUL authcid NUL passwd (RFC 4616 §2), authzid empty: decodes to the same login and password.
            var again = Base64("\0" + plainCredentials.Login + "\0" + plainCredentials.Secret);
            Invariant.That(SaslDecoder.TryDecodePlain(again, out var same) && same == plainCredentials, "PLAIN credentials do not round-trip");
        }
        if (text)
        {
            Invariant.That(SaslDecoder.IsSafe(decodedText), "LOGIN text holds CR, LF or NUL");
            Invariant.That(SaslDecoder.TryDecodeText(Base64(decodedText), out var same) && same == decodedText, "LOGIN text does not round-trip");
        }
        Invariant.That(!cram || text, "CRAM-MD5 accepted what is not base64 text");
        if (cram)
        {
            Safe(cramCredentials!);
            Invariant.Equal(32, cramCredentials!.Secret.Length, "CRAM-MD5 digest length");
        }
        // RFC 4422 App. A: an empty response (or "=") is no authorization identity; otherwise it is base64 text.
        Invariant.Equal(response.Length == 0 || response == "=" || text, external, "EXTERNAL accepts exactly empty, = or base64 text");
        if (external) Safe(externalCredentials!);
        if (xoauth2)
        {
            Safe(xoauth2Credentials!);
            Invariant.That(xoauth2Credentials!.Login.Length > 0, "XOAUTH2 accepted an empty user");
            var again = Base64($"user={xoauth2Credentials.Login}\u0001auth=Bearer {xoauth2Credentials.Secret}\u0001\u0001");
            Invariant.That(BearerTokenDecoder.TryDecodeXOAuth2(again, out var same) && same == xoauth2Credentials, "XOAUTH2 credentials do not round-trip");
        }
        if (oauthBearer)
        {
            Safe(oauthBearerCredentials!);
            var saslName = oauthBearerCredentials!.Login.Replace("=", "=3D").Replace(",", "=2C");
            var again = Base64($"n,a={saslName},\u0001auth=Bearer {oauthBearerCredentials.Secret}\u0001\u0001");
            Invariant.That(BearerTokenDecoder.TryDecodeOAuthBearer(again, out var same) && same == oauthBearerCredentials, "OAUTHBEARER credentials do not round-trip");
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static void Safe(Credentials credentials) =>
        Invariant.That(SaslDecoder.IsSafe(credentials.Login) && SaslDecoder.IsSafe(credentials.Secret), $"{credentials.Method} credentials hold CR, LF or NUL");
}
