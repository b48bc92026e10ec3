using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A real HTTP auth server (Kestrel on 127.0.0.1, dynamic port) for tests: answers GET on any path through
/// <see cref="Handler"/> and records every request. Start one per test (it takes milliseconds), pass
/// <see cref="Endpoint"/> in the <see cref="LoginAttempt"/>, then assert on <see cref="Requests"/>.
/// <code>
/// await using var auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(
///     new Dictionary&lt;string, string&gt; { ["alice"] = "secret" }, "127.0.0.1", 1143));
/// var attempt = new LoginAttempt(..., AuthServer: auth.Endpoint());
/// </code>
/// Header values travel as raw UTF-8 both ways, like nginx's.
/// </summary>
public sealed class TestAuthServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedAuthRequest> _requests = new();
    private volatile Func<RecordedAuthRequest, AuthReply> _handler;

    private TestAuthServer(WebApplication app, Func<RecordedAuthRequest, AuthReply> handler)
    {
        _app = app;
        _handler = handler;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The URL to configure as auth_http: <see cref="BaseUrl"/> + <c>/auth</c>.</summary>
    public string Url => BaseUrl + "/auth";

    /// <summary>The OAuth 2.0 token introspection endpoint this server also serves (for Dovecot's oauth2 passdb).</summary>
    public TokenIntrospection Introspection { get; } = new();

    /// <summary>The introspection endpoint's URL: <see cref="BaseUrl"/> + <see cref="TokenIntrospection.Path"/>.</summary>
    public string IntrospectionUrl => BaseUrl + TokenIntrospection.Path;

    /// <summary>Decides each reply; may be replaced at any time. Exceptions become a 500 with no Auth-* headers.</summary>
    public Func<RecordedAuthRequest, AuthReply> Handler
    {
        get => _handler;
        set => _handler = value;
    }

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedAuthRequest> Requests => _requests.ToArray();

    /// <summary>How many requests were received so far.</summary>
    public int RequestCount => _requests.Count;

    /// <summary>An <see cref="AuthHttpEndpoint"/> for this server (default timeout 5 s) with optional auth_http_header pairs.</summary>
    public AuthHttpEndpoint Endpoint(TimeSpan? timeout = null, params (string Name, string Value)[] extraHeaders) =>
        new(Url, timeout ?? TimeSpan.FromSeconds(5), extraHeaders.Select(h => KeyValuePair.Create(h.Name, h.Value)).ToList());

    /// <summary>Starts a server on a free loopback port; <paramref name="handler"/> defaults to refusing everyone.</summary>
    public static async Task<TestAuthServer> StartAsync(Func<RecordedAuthRequest, AuthReply>? handler = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.AddServerHeader = false;
            // nginx sends logins and passwords as raw UTF-8 bytes; Kestrel refuses non-ASCII unless told otherwise.
            k.RequestHeaderEncodingSelector = _ => Encoding.UTF8;
            k.ResponseHeaderEncodingSelector = _ => Encoding.UTF8;
        });
        var app = builder.Build();
        var server = new TestAuthServer(app, handler ?? (_ => AuthReply.Fail("Invalid login or password")));
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = address.TrimEnd('/');
        return server;
    }

    /// <summary>
    /// A handler that knows users and clear-text passwords (plain method only): OK with the backend for a match,
    /// else <c>Auth-Status: Invalid login or password</c> with <c>Auth-Wait</c> when <paramref name="waitOnFailureSeconds"/> is set.
    /// </summary>
    public static Func<RecordedAuthRequest, AuthReply> UsersAndPasswords(
        IReadOnlyDictionary<string, string> users, string backendHost, int backendPort, int? waitOnFailureSeconds = null) =>
        request =>
            request.Decoded("Auth-User") is { } user && users.TryGetValue(user, out var password) && request.Decoded("Auth-Pass") == password
                ? AuthReply.Ok(backendHost, backendPort)
                : AuthReply.Fail("Invalid login or password", waitOnFailureSeconds);

    /// <summary>
    /// A handler for bearer logins (Auth-Method <c>xoauth2</c> / <c>oauthbearer</c>) that knows the tokens of
    /// <paramref name="tokens"/>: OK with the backend when Auth-Pass is a valid token of Auth-User, else
    /// <c>Auth-Status: Invalid token</c> with <c>Auth-Error-SASL</c> carrying <paramref name="errorJson"/> (base64), which the
    /// proxy sends the client as the RFC 7628 §3.2.2 error challenge. Other methods are refused.
    /// </summary>
    public static Func<RecordedAuthRequest, AuthReply> BearerTokens(TokenIntrospection tokens, string backendHost, int backendPort,
        string errorJson = AuthReply.InvalidTokenJson, int? waitOnFailureSeconds = null) =>
        request =>
            request["Auth-Method"] is "xoauth2" or "oauthbearer"
            && request.Decoded("Auth-Pass") is { } token && tokens.UserOf(token) is { } owner
            && string.Equals(owner, request.Decoded("Auth-User"), StringComparison.OrdinalIgnoreCase)
                ? AuthReply.Ok(backendHost, backendPort)
                : AuthReply.FailSasl("Invalid token", errorJson, waitOnFailureSeconds);

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == TokenIntrospection.Path)
        {
            await Introspection.HandleAsync(context);
            return;
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(KeyValuePair.Create(name, value ?? ""));
            }
        }

        var recorded = new RecordedAuthRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.Protocol, headers);
        _requests.Enqueue(recorded);

        AuthReply reply;
        try
        {
            reply = _handler(recorded);
        }
        catch (Exception)
        {
            context.Response.StatusCode = 500;
            return;
        }

        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = reply.StatusCode;
        foreach (var (name, value) in reply.Headers)
        {
            context.Response.Headers.Append(name, value);
        }

        // A small body, which the proxy must ignore.
        await context.Response.WriteAsync("auth reply body\n", context.RequestAborted);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
