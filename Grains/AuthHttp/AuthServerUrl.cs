namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// An auth_http URL in one canonical form for comparison: parsed as requests parse it (<see cref="AuthHttpRequest.ParseUrl"/>:
/// nginx's scheme-less <c>host:port/path</c> is http), then scheme, host (lower case), port (explicit), path and
/// query. User info and fragment are left out: they do not change which server is asked.
/// </summary>
internal static class AuthServerUrl
{
    public static bool TryNormalize(string url, out string normalized)
    {
        try
        {
            var uri = AuthHttpRequest.ParseUrl(url.Trim());
            normalized = uri.GetComponents(UriComponents.Scheme | UriComponents.Host | UriComponents.StrongPort | UriComponents.PathAndQuery, UriFormat.UriEscaped);
            return true;
        }
        catch (FormatException)
        {
            normalized = "";
            return false;
        }
    }
}
