using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// <c>orleansmail.auth_http.duration</c> and <c>orleansmail.auth_http.errors</c> through <see cref="AuthHttpClient"/>
/// without a cluster, for every kind of answer a real socket can give: one sample per request with its result, and
/// one error of the right <c>error.type</c> for each request that got no usable answer.
/// </summary>
public sealed class AuthHttpMetricsTests : IAsyncDisposable
{
    private const string Login = "metrics-user@example.org";
    private const string ClientIp = "198.51.100.23";

    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddAuthHttpClient().BuildServiceProvider();
    private readonly InstrumentRecorder<double> _duration;
    private readonly InstrumentRecorder<long> _errors;

    public AuthHttpMetricsTests()
    {
        _duration = new InstrumentRecorder<double>([_services], "orleansmail.auth_http.duration");
        _errors = new InstrumentRecorder<long>([_services], "orleansmail.auth_http.errors");
    }

    private static LoginAttempt Attempt(string url, TimeSpan? timeout = null) =>
        new(MailProtocol.Smtp, AuthMethod.Plain, Login, "secret", null, ClientIp, 1, null, new AuthHttpEndpoint(url, timeout ?? TimeSpan.FromSeconds(5), []));

    private async Task<LoginDecision> AskAsync(string url, TimeSpan? timeout = null) =>
        await _services.GetRequiredService<AuthHttpClient>().DecideAsync(Attempt(url, timeout), TestContext.Current.CancellationToken);

    /// <summary>One sample with <paramref name="result"/>; one error of <paramref name="errorType"/> or none; no login or address anywhere.</summary>
    private void Measured(string result, string? errorType)
    {
        var sample = Assert.Single(_duration.All);
        Assert.Equal(("smtp", result), (sample.Tags["protocol"], sample.Tags["result"]));
        Assert.InRange(sample.Value, 0, 10);
        if (errorType is null)
        {
            Assert.Empty(_errors.All);
        }
        else
        {
            var error = Assert.Single(_errors.All);
            Assert.Equal((1L, "smtp", errorType), (error.Value, error.Tags["protocol"], error.Tags["error.type"]));
        }
        Assert.All(_duration.TagValues.Concat(_errors.TagValues), v => Assert.DoesNotContain(v as string, new[] { Login, ClientIp, "secret" }));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 10.1.1.1\r\nAuth-Port: 25\r\nContent-Length: 0\r\n\r\n", "ok", null)]
    [InlineData("HTTP/1.1 200 OK\r\nAuth-Status: Invalid login\r\nContent-Length: 0\r\n\r\n", "refused", null)]
    [InlineData("HTTP/1.1 200 OK\r\nAuth-Status: WAIT\r\nAuth-Wait: 2\r\nContent-Length: 0\r\n\r\n", "wait", null)]
    [InlineData("HTTP/1.1 200 OK\r\nAuth-Server: 10.1.1.1\r\nContent-Length: 0\r\n\r\n", "error", "malformed")]
    [InlineData("\u0000\u0001 garbage\r\n\r\n", "error", "malformed")]
    [InlineData("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", "error", "http_status")]
    public async Task EachAnswerIsOneSampleWithItsResult(string reply, string result, string? errorType)
    {
        await using var raw = new RawTcpResponder(Encoding.Latin1.GetBytes(reply));

        await AskAsync(raw.Url);

        Measured(result, errorType);
    }

    [Fact]
    public async Task HeadersOverOneKilobyteAreTooLarge()
    {
        var reply = "HTTP/1.1 200 OK\r\nAuth-Status: OK\r\nX-Pad: " + new string('a', 1100) + "\r\nContent-Length: 0\r\n\r\n";
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes(reply));

        await AskAsync(raw.Url);

        Measured("error", "too_large");
    }

    [Fact]
    public async Task AnAuthServerThatIsDownIsAConnectError()
    {
        Assert.Equal(LoginOutcome.TemporaryFailure, (await AskAsync($"http://127.0.0.1:{RawTcpResponder.UnusedPort()}/auth")).Outcome);

        Measured("error", "connect");
    }

    [Fact]
    public async Task AnAuthServerThatNeverAnswersIsATimeout()
    {
        await using var raw = new RawTcpResponder(null);

        Assert.Equal(LoginDecision.TemporaryFailure("auth http server timed out"), await AskAsync(raw.Url, TimeSpan.FromMilliseconds(300)));

        Measured("error", "timeout");
        Assert.InRange(Assert.Single(_duration.All).Value, 0.25, 3);
    }

    [Fact]
    public async Task AClientThatWentAwayIsNotMeasured()
    {
        await using var raw = new RawTcpResponder(null);
        using var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await _services.GetRequiredService<AuthHttpClient>().DecideAsync(Attempt(raw.Url), gone.Token);

        Assert.Empty(_duration.All);
        Assert.Empty(_errors.All);
    }

    public async ValueTask DisposeAsync()
    {
        _duration.Dispose();
        _errors.Dispose();
        await _services.DisposeAsync();
    }
}
