using System.Text;
using MailKit.Security;

namespace OrleansMail.Tests.Support;

/// <summary>
/// The two bearer-token SASL mechanisms on the test side: MailKit's clients (<see cref="MailKitMechanism"/>) and the raw
/// client messages for hand-written transcripts. XOAUTH2 is Google's (<c>user=U^Aauth=Bearer T^A^A</c>), OAUTHBEARER is
/// RFC 7628 §3.1 (<c>n,a=U,^Aauth=Bearer T^A^A</c>); a client answers an error challenge with an empty response
/// (XOAUTH2) or <c>AQ==</c>, a single 0x01 (RFC 7628 §3.2.3).
/// </summary>
public static class OAuthSasl
{
    /// <summary>RFC 7628 §3.2.3: what a client answers to an error challenge (0x01, base64).</summary>
    public const string ErrorChallengeAnswer = "AQ==";

    /// <summary>MailKit's <see cref="SaslMechanismOAuth2"/> or <see cref="SaslMechanismOAuthBearer"/>.</summary>
    public static SaslMechanism MailKitMechanism(string name, string user, string token) => name switch
    {
        "XOAUTH2" => new SaslMechanismOAuth2(user, token),
        "OAUTHBEARER" => new SaslMechanismOAuthBearer(user, token),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "XOAUTH2 or OAUTHBEARER"),
    };

    /// <summary>The client's first (and only) message of <paramref name="name"/>, base64.</summary>
    public static string InitialResponse(string name, string user, string token) => Convert.ToBase64String(Encoding.UTF8.GetBytes(name switch
    {
        "XOAUTH2" => $"user={user}\u0001auth=Bearer {token}\u0001\u0001",
        "OAUTHBEARER" => $"n,a={user},\u0001auth=Bearer {token}\u0001\u0001",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "XOAUTH2 or OAUTHBEARER"),
    }));

    /// <summary>
    /// A refused login on a raw transcript: sends <paramref name="command"/> (an AUTHENTICATE/AUTH with a bad token's
    /// initial response), expects the error challenge (<c>+ </c> or <c>334 </c>, <paramref name="challengePrefix"/>), answers
    /// it with <see cref="ErrorChallengeAnswer"/> and returns the challenge's JSON and the reply that follows.
    /// </summary>
    public static async Task<(string Json, string? Reply)> ErrorExchangeAsync(LineClient client, string command, string challengePrefix)
    {
        await client.SendAsync(command + "\r\n");
        var challenge = await client.ReadLineAsync();
        Assert.NotNull(challenge);
        Assert.StartsWith(challengePrefix, challenge);
        var json = ChallengeJson(challenge);
        await client.SendAsync(ErrorChallengeAnswer + "\r\n");
        return (json, await client.ReadLineAsync());
    }

    /// <summary>The JSON of an error challenge line (<c>+ base64</c> or <c>334 base64</c>).</summary>
    public static string ChallengeJson(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return Encoding.UTF8.GetString(Convert.FromBase64String(line[(space + 1)..]));
    }
}
