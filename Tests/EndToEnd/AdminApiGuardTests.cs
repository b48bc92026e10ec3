using System.Net;
using System.Net.Http.Headers;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The admin API's request guard over real HTTP (Frontend with its embedded silo and admin listener): HTTP Basic reads
/// but never changes state, a browser's cross-site request is refused whatever credentials it carries, and every
/// change and every refusal is logged with the caller's address and the target. The start-up refusal of a short
/// token is in <c>Tests/Cluster/InvalidConfigurationTests</c> (the real processes).
/// </summary>
public sealed class AdminApiGuardTests(LoginPolicyProxyFixture fixture) : IClassFixture<LoginPolicyProxyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Http(AuthenticationHeaderValue? authorization) => AdminHttp.Create(fixture.AdminUrl, authorization);

    private static HttpRequestMessage Post(string path, params (string Name, string Value)[] headers) => With(new(HttpMethod.Post, path), headers);

    private static HttpRequestMessage Get(string path, params (string Name, string Value)[] headers) => With(new(HttpMethod.Get, path), headers);

    private static HttpRequestMessage With(HttpRequestMessage request, (string Name, string Value)[] headers)
    {
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private Task<bool> LoggedAsync(string text) =>
        Eventually.HoldsAsync(() => fixture.Proxy.Logs.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)));

    [Fact]
    public async Task BasicCredentialsReadButCannotChangeState()
    {
        using var browser = Http(AdminHttp.Basic("operator", LoginPolicyProxyFixture.AdminToken));
        using (var read = await browser.SendAsync(Get("/admin/users/alice"), Ct))
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        foreach (var path in new[] { "/admin/cache/flush", "/admin/throttle/unblock?login=alice", "/admin/upstreams/127.0.0.1:1/drain" })
        {
            using var change = await browser.SendAsync(Post(path), Ct);
            Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
            Assert.Contains("Bearer", await change.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        Assert.True(await LoggedAsync("admin: refused POST /admin/cache/flush from 127.0.0.1: a state-changing request needs Authorization: Bearer"));

        using var script = Http(AdminHttp.Bearer(LoginPolicyProxyFixture.AdminToken));
        using (var change = await script.SendAsync(Post("/admin/cache/flush?login=alice"), Ct))
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Origin", "http://127.0.0.1:1")]
    public async Task ACrossSiteRequestIsRefusedEvenWithTheToken(string header, string value)
    {
        foreach (var authorization in new[] { AdminHttp.Bearer(LoginPolicyProxyFixture.AdminToken)!, AdminHttp.Basic("operator", LoginPolicyProxyFixture.AdminToken) })
        {
            using var http = Http(authorization);
            using (var change = await http.SendAsync(Post("/admin/throttle/unblock?login=bob", (header, value)), Ct))
                Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
            using (var read = await http.SendAsync(Get("/dashboard/", (header, value)), Ct))
                Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        }
        Assert.True(await LoggedAsync("admin: refused POST /admin/throttle/unblock?login=bob from 127.0.0.1"));
    }

    [Fact]
    public async Task TheServersOwnOriginAndSameOriginFetchesAreAllowed()
    {
        using var http = Http(AdminHttp.Bearer(LoginPolicyProxyFixture.AdminToken));
        using (var change = await http.SendAsync(Post("/admin/cache/flush?login=carol", ("Origin", fixture.AdminUrl), ("Sec-Fetch-Site", "same-origin")), Ct))
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        using (var typed = await http.SendAsync(Get("/admin/users/carol", ("Sec-Fetch-Site", "none")), Ct))
            Assert.Equal(HttpStatusCode.OK, typed.StatusCode);
    }

    [Fact]
    public async Task EveryChangeIsLoggedWithTheCallerAndWhatItChanged()
    {
        using var http = Http(AdminHttp.Bearer(LoginPolicyProxyFixture.AdminToken));
        using (var change = await http.SendAsync(Post("/admin/throttle/unblock?login=dave&address=192.0.2.7"), Ct))
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.True(await LoggedAsync("admin: POST /admin/throttle/unblock?login=dave&address=192.0.2.7 from 127.0.0.1, answered 200"));

        using var anonymous = Http(null);
        using (var refused = await anonymous.SendAsync(Post("/admin/cache/flush"), Ct))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True(await LoggedAsync("admin: refused POST /admin/cache/flush from 127.0.0.1: no valid admin token"));
        Assert.DoesNotContain(fixture.Proxy.Logs.Lines, line => line.Contains(LoginPolicyProxyFixture.AdminToken, StringComparison.Ordinal));
    }
}
