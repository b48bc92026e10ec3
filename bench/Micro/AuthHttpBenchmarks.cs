using BenchmarkDotNet.Attributes;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Micro;

/// <summary>
/// The auth_http codec without the network: building the request for one login, and turning a reply's headers
/// into the decision. The HttpRequestMessage and its header collection are part of what a login costs, so they
/// are measured too; the reply is built once and only parsed per operation.
/// </summary>
[MemoryDiagnoser]
public class AuthHttpBenchmarks
{
    private static readonly LoginAttempt Attempt = new(
        MailProtocol.Imap, AuthMethod.Plain, "alice@example.com", "secret", null, "192.0.2.10", 1, null,
        new AuthHttpEndpoint("http://127.0.0.1:8080/auth", TimeSpan.FromSeconds(5), []));

    // A password that needs escaping (space and '%'), the less common path.
    private static readonly LoginAttempt EscapedAttempt = Attempt with { Secret = "se cret%1" };

    private HttpResponseMessage _ok = null!;
    private HttpResponseMessage _errorWait = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ok = Reply(("Auth-Status", "OK"), ("Auth-Server", "127.0.0.1"), ("Auth-Port", "1143"));
        _errorWait = Reply(("Auth-Status", "Invalid login or password"), ("Auth-Wait", "3"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ok.Dispose();
        _errorWait.Dispose();
    }

    [Benchmark]
    public int BuildRequest()
    {
        using var request = AuthHttpRequest.Create(Attempt);
        return request.Headers.NonValidated.Count;
    }

    [Benchmark]
    public int BuildRequestEscaped()
    {
        using var request = AuthHttpRequest.Create(EscapedAttempt);
        return request.Headers.NonValidated.Count;
    }

    [Benchmark]
    public object DecideOk() => AuthHttpDecision.Decide(Attempt, AuthHttpResponseParser.Parse(_ok));

    [Benchmark]
    public object DecideErrorWait() => AuthHttpDecision.Decide(Attempt, AuthHttpResponseParser.Parse(_errorWait));

    /// <summary>Headers as the HTTP handler stores them: unvalidated, the way the parser reads them.</summary>
    private static HttpResponseMessage Reply(params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }
}
