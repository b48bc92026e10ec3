using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OrleansMail.Tests.Support;

/// <summary>
/// An OAuth 2.0 token introspection endpoint (RFC 7662) that <see cref="TestAuthServer"/> serves at <see cref="Path"/>, for
/// Dovecot's oauth2 passdb with <c>introspection_mode = post</c>: the request is a form POST with <c>token=…</c>
/// (RFC 7662 §2.1); the answer is <c>{"active":true,"username":"alice"}</c> for a known token, <c>{"active":false}</c>
/// for any other (RFC 7662 §2.2). Tests add tokens with <see cref="AddToken"/> and check which tokens were introspected.
/// </summary>
public sealed class TokenIntrospection
{
    /// <summary>The endpoint's path on the auth server.</summary>
    public const string Path = "/introspect";

    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _introspected = new();

    /// <summary>Makes <paramref name="token"/> valid for <paramref name="user"/>.</summary>
    public void AddToken(string token, string user) => _users[token] = user;

    /// <summary>Makes <paramref name="token"/> invalid again.</summary>
    public void RevokeToken(string token) => _users.TryRemove(token, out _);

    /// <summary>The user a valid token belongs to, or null.</summary>
    public string? UserOf(string token) => _users.TryGetValue(token, out var user) ? user : null;

    /// <summary>Every token introspected so far (valid or not), in arrival order.</summary>
    public IReadOnlyList<string> IntrospectedTokens => _introspected.ToArray();

    /// <summary>How many introspection requests arrived for <paramref name="token"/>.</summary>
    public int TimesIntrospected(string token) => _introspected.Count(t => t == token);

    internal async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.HasFormContentType)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form["token"].ToString();
        _introspected.Enqueue(token);
        var user = UserOf(token);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(user is null
            ? """{"active":false}"""
            : JsonSerializer.Serialize(new { active = true, username = user }), context.RequestAborted);
    }
}
