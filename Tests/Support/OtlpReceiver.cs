using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A minimal OTLP/HTTP collector (OTLP specification, "OTLP/HTTP"): accepts <c>POST /v1/traces</c>, <c>/v1/metrics</c>
/// and <c>/v1/logs</c> with a protobuf body, answers 200 with an empty protobuf response (a full success) and keeps
/// each request's path and body. Protobuf strings are raw UTF-8, so span and metric names can be found in a body.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _requests = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public IReadOnlyList<(string Path, byte[] Body)> Requests => _requests.ToArray();

    /// <summary>Whether a request to <paramref name="path"/> carried <paramref name="text"/>.</summary>
    public bool Received(string path, string text) =>
        _requests.Any(r => r.Path == path && System.Text.Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal));

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver._requests.Enqueue((context.Request.Path.Value!, body.ToArray()));
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        receiver.Endpoint = app.Urls.Single();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
