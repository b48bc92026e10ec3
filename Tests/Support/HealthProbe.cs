using System.Net;

namespace OrleansMail.Tests.Support;

/// <summary>GETs a health endpoint the way a load balancer's probe does: the status, or null when nothing accepts on its port.</summary>
public static class HealthProbe
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task<HttpStatusCode?> StatusAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(url, cancellationToken);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
