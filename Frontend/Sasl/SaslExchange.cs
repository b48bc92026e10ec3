using System.Text;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Sasl;

/// <summary>
/// One SASL exchange as nginx's shared ngx_mail_auth_* code runs it for all three protocols (src/mail/ngx_mail_handler.c):
/// PLAIN and LOGIN are always accepted, CRAM-MD5 and EXTERNAL only when the listener enables them; PLAIN, LOGIN
/// (Microsoft-style user) and EXTERNAL take an initial response, CRAM-MD5 does not. XOAUTH2 and OAUTHBEARER, as
/// freenginx 1.27.1 runs them, only when the listener enables them (and, before TLS, sasl_oauth_plaintext allows them:
/// the session leaves them out of <c>enabled</c> otherwise), with an initial response or after an empty challenge.
/// </summary>
internal static class SaslExchange
{
    public static async ValueTask<SaslResult> RunAsync(ISaslChannel channel, string mechanismName, string? initialResponse, SaslMechanisms enabled)
    {
        var mechanism = SaslDecoder.ParseMechanism(mechanismName);
        var result = mechanism switch
        {
            SaslMechanism.Plain => await PlainAsync(channel, initialResponse),
            SaslMechanism.Login => await LoginAsync(channel, initialResponse),
            SaslMechanism.CramMd5 when enabled.HasFlag(SaslMechanisms.CramMd5) && initialResponse is null => await CramMd5Async(channel),
            SaslMechanism.External when enabled.HasFlag(SaslMechanisms.External) => await ExternalAsync(channel, initialResponse),
            SaslMechanism.XOAuth2 when enabled.HasFlag(SaslMechanisms.XOAuth2) => await BearerAsync(channel, initialResponse, xoauth2: true),
            SaslMechanism.OAuthBearer when enabled.HasFlag(SaslMechanisms.OAuthBearer) => await BearerAsync(channel, initialResponse, xoauth2: false),
            _ => new SaslResult(SaslStatus.Refused),
        };
        return result with { Mechanism = mechanism };
    }

    private static async ValueTask<SaslResult> PlainAsync(ISaslChannel channel, string? initial)
    {
        var response = initial ?? await channel.ChallengeAsync("");
        if (response is null) return new(SaslStatus.Closed);
        return SaslDecoder.TryDecodePlain(response, out var credentials) ? new(SaslStatus.Done, credentials) : new(SaslStatus.Invalid);
    }

    private static async ValueTask<SaslResult> LoginAsync(ISaslChannel channel, string? initial)
    {
        // RFC-less but universal: "Username:" then "Password:"; a Microsoft-style initial response carries the user.
        var userResponse = initial ?? await channel.ChallengeAsync(SaslDecoder.UsernamePrompt);
        if (userResponse is null) return new(SaslStatus.Closed);
        if (!SaslDecoder.TryDecodeText(userResponse, out var user) || user.Length == 0) return new(SaslStatus.Invalid);
        var passResponse = await channel.ChallengeAsync(SaslDecoder.PasswordPrompt);
        if (passResponse is null) return new(SaslStatus.Closed);
        if (!SaslDecoder.TryDecodeText(passResponse, out var password)) return new(SaslStatus.Invalid);
        return new(SaslStatus.Done, new Credentials(Grains.Interfaces.AuthMethod.Plain, user, password));
    }

    private static async ValueTask<SaslResult> CramMd5Async(ISaslChannel channel)
    {
        // RFC 2195: the challenge is the salt in base64, without the CRLF nginx keeps after it.
        var salt = channel.ChallengeSalt();
        var response = await channel.ChallengeAsync(Convert.ToBase64String(Encoding.ASCII.GetBytes(salt)));
        if (response is null) return new(SaslStatus.Closed);
        return SaslDecoder.TryDecodeCramMd5(response, salt, out var credentials) ? new(SaslStatus.Done, credentials) : new(SaslStatus.Invalid);
    }

    private static async ValueTask<SaslResult> ExternalAsync(ISaslChannel channel, string? initial)
    {
        var response = initial ?? await channel.ChallengeAsync(SaslDecoder.UsernamePrompt);
        if (response is null) return new(SaslStatus.Closed);
        return SaslDecoder.TryDecodeExternal(response, out var credentials) ? new(SaslStatus.Done, credentials) : new(SaslStatus.Invalid);
    }

    private static async ValueTask<SaslResult> BearerAsync(ISaslChannel channel, string? initial, bool xoauth2)
    {
        // RFC 7628 §3.2 and Google's XOAUTH2: the server's first challenge is empty.
        var response = initial ?? await channel.ChallengeAsync("", bearerToken: true);
        if (response is null) return new(SaslStatus.Closed);
        var decoded = xoauth2
            ? BearerTokenDecoder.TryDecodeXOAuth2(response, out var credentials)
            : BearerTokenDecoder.TryDecodeOAuthBearer(response, out credentials);
        return decoded ? new(SaslStatus.Done, credentials) : new(SaslStatus.Invalid);
    }
}
