using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// XOAUTH2 and OAUTHBEARER logins against the real test auth server (Kestrel), as freenginx 1.27.1 asks and reads
/// them: Auth-Method xoauth2/oauthbearer, Auth-Pass the token, and the answer's Auth-Error-SASL.
/// </summary>
public sealed class AuthHttpBearerTests : IAsyncDisposable
{
    /// <summary>RFC 7628 §3.2.2's example error, base64.</summary>
    private const string SaslErrorJson = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciIsInNjb3BlIjoiZW1haWwifQ==";

    private readonly CapturingLoggerProvider _logs = new();
    private readonly ServiceProvider _services;

    public AuthHttpBearerTests() =>
        _services = new ServiceCollection().AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)).AddAuthHttpClient().BuildServiceProvider();

    private AuthHttpClient Client => _services.GetRequiredService<AuthHttpClient>();

    private static LoginAttempt Attempt(TestAuthServer server, AuthMethod method, string token, string login = "alice@example.org") =>
        new(MailProtocol.Imap, method, login, token, null, "198.51.100.7", 1, null, server.Endpoint());

    /// <summary>A bearer token as issuers make them (base64url and dots), <paramref name="length"/> characters.</summary>
    internal static string Token(int length, char seed = 'a') =>
        string.Create(length, seed, static (span, seed) =>
        {
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[(i * 7 + seed) % alphabet.Length];
        });

    [Fact]
    public async Task A16KiBTokenReachesTheAuthServerWholeAsAuthPass()
    {
        await using var server = await TestAuthServer.StartAsync(_ => AuthReply.Ok("10.0.0.5", 143));
        var token = Token(16 * 1024);

        var decision = await Client.DecideAsync(Attempt(server, AuthMethod.XOAuth2, token), TestContext.Current.CancellationToken);

        var request = Assert.Single(server.Requests);
        Assert.Equal("xoauth2", request["Auth-Method"]);
        Assert.Equal("alice@example.org", request["Auth-User"]);
        Assert.Equal(token, request["Auth-Pass"]);
        // Plan decision 2: no Auth-Pass in the answer, so no upstream password; never the token.
        Assert.Equal(new LoginDecision(LoginOutcome.Allowed, "10.0.0.5", 143, "alice@example.org", null), decision);
    }

    [Fact]
    public async Task OAuthBearerSendsItsMethodAndTheTokenEscapedAsAnyAuthPass()
    {
        await using var server = await TestAuthServer.StartAsync(_ => AuthReply.Ok("10.0.0.5", 143, user: "master*alice", pass: "app password"));

        var decision = await Client.DecideAsync(Attempt(server, AuthMethod.OAuthBearer, "tok en%1"), TestContext.Current.CancellationToken);

        var request = Assert.Single(server.Requests);
        Assert.Equal("oauthbearer", request["Auth-Method"]);
        Assert.Equal("tok%20en%251", request["Auth-Pass"]);
        Assert.Equal(("master*alice", "app password"), (decision.UpstreamLogin, decision.UpstreamPassword));
    }

    [Theory]
    [InlineData("Auth-Error-SASL")]
    [InlineData("Auth-Error-Sasl")]
    [InlineData("auth-error-sasl")]
    public async Task ARefusalCarriesAuthErrorSaslForABearerLogin(string headerName)
    {
        await using var server = await TestAuthServer.StartAsync(_ => AuthReply.With(("Auth-Status", "Invalid token"), ("Auth-Wait", "2"), (headerName, SaslErrorJson)));

        var decision = await Client.DecideAsync(Attempt(server, AuthMethod.OAuthBearer, "expired"), TestContext.Current.CancellationToken);

        Assert.Equal(LoginDecision.Refuse("Invalid token", TimeSpan.FromSeconds(2), null) with { SaslError = SaslErrorJson }, decision);
    }

    [Fact]
    public async Task APasswordLoginIgnoresAuthErrorSaslSilently()
    {
        await using var server = await TestAuthServer.StartAsync(_ => AuthReply.With(("Auth-Status", "Invalid login or password"), ("Auth-Error-SASL", "not base64!")));

        var decision = await Client.DecideAsync(Attempt(server, AuthMethod.Plain, "secret"), TestContext.Current.CancellationToken);

        Assert.Equal(LoginDecision.Refuse("Invalid login or password", null, null), decision);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("[6]", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0")] // unpadded
    [InlineData("eyJzdGF0dXMiOi=JpbnZhbGlkX3Rva2VuIn0=")] // padding inside
    [InlineData("ey Jz")]
    public async Task AnAuthErrorSaslThatIsNotStrictBase64IsIgnoredWithAWarning(string value)
    {
        await using var server = await TestAuthServer.StartAsync(_ => AuthReply.With(("Auth-Status", "Invalid token"), ("Auth-Error-SASL", value)));

        var decision = await Client.DecideAsync(Attempt(server, AuthMethod.XOAuth2, "expired"), TestContext.Current.CancellationToken);

        Assert.Equal(LoginDecision.Refuse("Invalid token", null, null), decision);
        var warning = Assert.Single(_logs.Lines, l => l.Contains("[6]", StringComparison.Ordinal));
        Assert.StartsWith("Warning OrleansMail.Grains.AuthHttp.AuthHttpClient[6]: auth http server sent an Auth-Error-SASL that is not base64 of at most 512 characters", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAuthErrorSaslOverTheBoundIsIgnoredAndOneAtTheBoundIsKept()
    {
        var atBound = new string('A', AuthHttpSaslError.MaxLength);
        var overBound = new string('A', AuthHttpSaslError.MaxLength + 4);
        await using var server = await TestAuthServer.StartAsync(r => AuthReply.With(("Auth-Status", "Invalid token"), ("Auth-Error-SASL", r["Auth-Pass"] == "long" ? overBound : atBound)));

        var kept = await Client.DecideAsync(Attempt(server, AuthMethod.XOAuth2, "short"), TestContext.Current.CancellationToken);
        var ignored = await Client.DecideAsync(Attempt(server, AuthMethod.XOAuth2, "long"), TestContext.Current.CancellationToken);

        Assert.Equal(atBound, kept.SaslError);
        Assert.Equal(LoginOutcome.Refused, ignored.Outcome);
        Assert.Null(ignored.SaslError);
        Assert.Contains(_logs.Lines, l => l.Contains("[6]", StringComparison.Ordinal) && l.Contains($"({AuthHttpSaslError.MaxLength + 4} characters)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOkAnswerWithAuthErrorSaslIsTheInternalErrorWithAnErrorLine()
    {
        await using var server = await TestAuthServer.StartAsync(_ => AuthReply.With(
            ("Auth-Status", "OK"), ("Auth-Server", "10.0.0.5"), ("Auth-Port", "143"), ("Auth-Error-SASL", SaslErrorJson)));

        var decision = await Client.DecideAsync(Attempt(server, AuthMethod.OAuthBearer, "token"), TestContext.Current.CancellationToken);

        Assert.Equal(LoginDecision.InternalError("auth server returned a SASL error to a successful login"), decision);
        Assert.Contains(_logs.Lines, l => l.StartsWith("Error OrleansMail.Grains.AuthHttp.AuthHttpClient[4]: auth http server " + server.BaseUrl + ": auth server returned a SASL error to a successful login", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheTokenIsNeverLogged()
    {
        var token = Token(300, 'q');
        await using var server = await TestAuthServer.StartAsync(r => r["Auth-Login-Attempt"] == "1"
            ? AuthReply.With(("Auth-Status", "Invalid token"), ("Auth-Error-SASL", SaslErrorJson))
            : AuthReply.Ok("10.0.0.5", 143));

        await Client.DecideAsync(Attempt(server, AuthMethod.XOAuth2, token), TestContext.Current.CancellationToken);
        await Client.DecideAsync(Attempt(server, AuthMethod.XOAuth2, token) with { AttemptNumber = 2 }, TestContext.Current.CancellationToken);

        Assert.Equal(2, _logs.Lines.Count(l => l.Contains("AuthHttpClient", StringComparison.Ordinal)));
        Assert.All(_logs.Lines, l => Assert.DoesNotContain(token[..40], l, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
