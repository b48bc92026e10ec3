using System.Net.Http.Headers;
using System.Text;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>HTTP clients for the admin API and the dashboard on a proxy's admin listener.</summary>
internal static class AdminHttp
{
    public static HttpClient Create(string baseUrl, AuthenticationHeaderValue? authorization)
    {
        var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = authorization;
        return http;
    }

    /// <summary><c>Authorization: Bearer token</c>, or none for a null token.</summary>
    public static AuthenticationHeaderValue? Bearer(string? token) => token is null ? null : new("Bearer", token);

    /// <summary>HTTP Basic (RFC 7617), as a browser sends it.</summary>
    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
