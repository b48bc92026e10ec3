namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// Where and how to ask the auth server: nginx's <c>auth_http</c>, <c>auth_http_timeout</c> and
/// <c>auth_http_header</c>. The front end sends its server block's settings with every attempt, so each
/// listener may use its own auth server (as nginx allows per <c>server{}</c>) and silos need no mail configuration.
/// </summary>
[GenerateSerializer, Immutable, Alias("mail.AuthHttpEndpoint")]
public sealed record AuthHttpEndpoint(
    [property: Id(0)] string Url,
    [property: Id(1)] TimeSpan Timeout,
    [property: Id(2)] IReadOnlyList<KeyValuePair<string, string>> ExtraHeaders);
