using System.Text;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Sasl;

/// <summary>XOAUTH2 and OAUTHBEARER client responses: RFC 7628's examples, freenginx's test vectors (its mail_oauth.t), and malformed ones.</summary>
public sealed class BearerTokenDecoderTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>RFC 7628 §4.1's token.</summary>
    private const string RfcToken = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";

    [Theory]
    // RFC 7628 §4.1 (IMAP) and §4.2 (SMTP): host and port are ignored.
    [InlineData("n,a=user@example.com,\u0001host=server.example.com\u0001port=143\u0001auth=Bearer " + RfcToken + "\u0001\u0001", "user@example.com", RfcToken)]
    [InlineData("n,a=user@example.com,\u0001host=server.example.com\u0001port=587\u0001auth=Bearer " + RfcToken + "\u0001\u0001", "user@example.com", RfcToken)]
    // freenginx mail_oauth.t: a plain and an escaped login.
    [InlineData("n,a=test@example.com,\u0001auth=Bearer secretok\u0001\u0001", "test@example.com", "secretok")]
    [InlineData("n,a=test=3D=2C@example.com,\u0001auth=Bearer secretok\u0001\u0001", "test=,@example.com", "secretok")]
    // The client supports channel binding, the server (as far as it knows) does not; the scheme in any case; MailKit's form.
    [InlineData("y,a=alice,\u0001auth=bEARER mF_9.B5f-4.1JqM\u0001\u0001", "alice", "mF_9.B5f-4.1JqM")]
    [InlineData("n,a=alice,\u0001auth=Bearer  tok~+/==\u0001\u0001", "alice", "tok~+/==")]
    public void OAuthBearerTakesTheAuthorizationIdentityAndTheToken(string message, string user, string token)
    {
        Assert.True(BearerTokenDecoder.TryDecodeOAuthBearer(B64(message), out var credentials));
        Assert.Equal(new Credentials(AuthMethod.OAuthBearer, user, token), credentials);
    }

    [Theory]
    [InlineData("user=test@example.com\u0001auth=Bearer secretok\u0001\u0001", "test@example.com", "secretok")]
    [InlineData("user=someuser@example.com\u0001auth=Bearer vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\u0001\u0001",
        "someuser@example.com", "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==")]
    [InlineData("auth=bearer ya29.a0AfH6\u0001user=al ice\u0001\u0001", "al ice", "ya29.a0AfH6")]
    public void XOAuth2TakesTheUserAndTheToken(string message, string user, string token)
    {
        Assert.True(BearerTokenDecoder.TryDecodeXOAuth2(B64(message), out var credentials));
        Assert.Equal(new Credentials(AuthMethod.XOAuth2, user, token), credentials);
    }

    [Theory]
    [InlineData("n,a=alice,\u0001\u0001")]                                    // no auth pair
    [InlineData("n,a=alice,\u0001auth=Basic YWxpY2U6c2VjcmV0\u0001\u0001")]     // wrong scheme
    [InlineData("n,a=alice,\u0001auth=Bearer\u0001\u0001")]                   // no token
    [InlineData("n,a=alice,\u0001auth=Bearer \u0001\u0001")]                  // empty token
    [InlineData("n,a=alice,\u0001auth=Bearer tok en\u0001\u0001")]            // not a b64token
    [InlineData("n,a=alice,\u0001auth=Bearer =abc\u0001\u0001")]              // padding only
    [InlineData("n,a=alice,\u0001auth=Bearer tok\u0001")]                     // missing the final ^A
    [InlineData("n,a=alice,\u0001auth=Bearer tok")]                           // missing ^A^A
    [InlineData("n,a=alice,auth=Bearer tok\u0001\u0001")]                     // no kvsep after the GS2 header
    [InlineData("n,a=alice,\u0001auth=Bearer a\u0001auth=Bearer b\u0001\u0001")] // two auth pairs
    [InlineData("n,a=alice,\u0001=x\u0001auth=Bearer tok\u0001\u0001")]       // empty key
    [InlineData("n,a=alice,\u0001ho-st=x\u0001auth=Bearer tok\u0001\u0001")]  // key not ALPHA
    [InlineData("n,a=alice,\u0001novalue\u0001auth=Bearer tok\u0001\u0001")]  // pair without =
    [InlineData("p=tls-unique,a=alice,\u0001auth=Bearer tok\u0001\u0001")]    // channel binding
    [InlineData("n,,\u0001auth=Bearer tok\u0001\u0001")]                      // no a= (the grains decide per user)
    [InlineData("n,a=,\u0001auth=Bearer tok\u0001\u0001")]                    // empty saslname
    [InlineData("x,a=alice,\u0001auth=Bearer tok\u0001\u0001")]               // unknown flag
    [InlineData("n,a=al=2Cice=2,\u0001auth=Bearer tok\u0001\u0001")]          // truncated escape
    [InlineData("n,a=al=41ice,\u0001auth=Bearer tok\u0001\u0001")]            // stray = (only =2C and =3D)
    [InlineData("n,a=alice,\u0001host=a\rb\u0001auth=Bearer tok\u0001\u0001")] // CR
    [InlineData("n,a=al\nice,\u0001auth=Bearer tok\u0001\u0001")]             // LF in the user
    [InlineData("n,a=alice,\u0001auth=Bearer tok\0\u0001\u0001")]             // NUL
    [InlineData("\u0001")]                                                    // RFC 7628's dummy response is no login
    public void MalformedOAuthBearerIsRefused(string message)
    {
        Assert.False(BearerTokenDecoder.TryDecodeOAuthBearer(B64(message), out var credentials));
        Assert.Null(credentials);
    }

    [Theory]
    [InlineData("user=alice\u0001\u0001")]                                    // no auth pair
    [InlineData("auth=Bearer tok\u0001\u0001")]                               // no user
    [InlineData("user=\u0001auth=Bearer tok\u0001\u0001")]                    // empty user
    [InlineData("user=alice\u0001auth=OAuth tok\u0001\u0001")]                // wrong scheme
    [InlineData("user=alice\u0001auth=Bearer tok\u0001")]                     // missing the final ^A
    [InlineData("user=alice\u0001auth=Bearer tok")]                           // missing ^A^A
    [InlineData("user=alice\u0001user=bob\u0001auth=Bearer tok\u0001\u0001")] // two users
    [InlineData("user=ali\rce\u0001auth=Bearer tok\u0001\u0001")]             // CR in the user
    public void MalformedXOAuth2IsRefused(string message)
    {
        Assert.False(BearerTokenDecoder.TryDecodeXOAuth2(B64(message), out var credentials));
        Assert.Null(credentials);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("=")]
    [InlineData("")]
    [InlineData("dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2sBAQ")]     // missing padding
    [InlineData("dXNlcj1hbGljZQFh dXRoPUJlYXJlciB0b2sBAQ==")]  // whitespace
    public void BadBase64IsRefused(string response)
    {
        Assert.True(BearerTokenDecoder.TryDecodeXOAuth2(B64("user=alice\u0001auth=Bearer tok\u0001\u0001"), out _));
        Assert.False(BearerTokenDecoder.TryDecodeXOAuth2(response, out _));
        Assert.False(BearerTokenDecoder.TryDecodeOAuthBearer(response, out _));
    }

    [Fact]
    public void ALongTokenDecodesWhole()
    {
        var token = new string('t', 16_000);
        Assert.True(BearerTokenDecoder.TryDecodeOAuthBearer(B64($"n,a=alice,\u0001auth=Bearer {token}\u0001\u0001"), out var credentials));
        Assert.Equal(token, credentials!.Secret);
    }

    [Theory]
    [InlineData("XOAUTH2", "user=alice\u0001auth=Bearer tok\u0001\u0001", "Done")]
    [InlineData("oauthbearer", "n,a=alice,\u0001auth=Bearer tok\u0001\u0001", "Done")]
    [InlineData("XOAUTH2", "user=alice\u0001auth=Basic tok\u0001\u0001", "Invalid")]
    [InlineData("OAUTHBEARER", "p=tls-unique,a=alice,\u0001auth=Bearer tok\u0001\u0001", "Invalid")]
    [InlineData("OAUTHBEARER", "n,,\u0001auth=Bearer tok\u0001\u0001", "Invalid")]
    public async Task TheExchangeTakesAnInitialResponseOrAnswersAnEmptyChallenge(string mechanism, string message, string expected)
    {
        var status = Enum.Parse<SaslStatus>(expected);
        var initial = await SaslExchange.RunAsync(new ScriptedChannel(), mechanism, B64(message), SaslMechanisms.XOAuth2 | SaslMechanisms.OAuthBearer);
        Assert.Equal(status, initial.Status);

        var channel = new ScriptedChannel(B64(message));
        var challenged = await SaslExchange.RunAsync(channel, mechanism, null, SaslMechanisms.XOAuth2 | SaslMechanisms.OAuthBearer);
        Assert.Equal(status, challenged.Status);
        Assert.Equal([""], channel.Challenges);
        Assert.Equal(initial.Credentials, challenged.Credentials);
        if (status == SaslStatus.Done) Assert.Equal(mechanism.ToUpperInvariant() == "XOAUTH2" ? SaslMechanism.XOAuth2 : SaslMechanism.OAuthBearer, challenged.Mechanism);
    }

    [Theory]
    [InlineData("XOAUTH2", SaslMechanisms.OAuthBearer)]
    [InlineData("OAUTHBEARER", SaslMechanisms.XOAuth2 | SaslMechanisms.Plain)]
    public async Task ADisabledMechanismIsRefusedWithoutAChallenge(string mechanism, SaslMechanisms enabled)
    {
        var channel = new ScriptedChannel();
        var result = await SaslExchange.RunAsync(channel, mechanism, null, enabled);
        Assert.Equal(SaslStatus.Refused, result.Status);
        Assert.Empty(channel.Challenges);
    }

    [Fact]
    public async Task AClientThatLeavesMidExchangeClosesIt()
    {
        var result = await SaslExchange.RunAsync(new ScriptedChannel(), "XOAUTH2", null, SaslMechanisms.XOAuth2);
        Assert.Equal(SaslStatus.Closed, result.Status);
    }

    /// <summary>Answers challenges with scripted lines, then as a client that left (null).</summary>
    private sealed class ScriptedChannel(params string[] answers) : ISaslChannel
    {
        private readonly Queue<string> _answers = new(answers);

        public List<string> Challenges { get; } = [];

        public ValueTask<string?> ChallengeAsync(string base64Challenge, bool bearerToken)
        {
            Assert.True(bearerToken);
            Challenges.Add(base64Challenge);
            return ValueTask.FromResult(_answers.TryDequeue(out var answer) ? answer : null);
        }

        public string ChallengeSalt() => "<1.2@example.com>";
    }
}
