using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansMail.Tests.Support;

/// <summary>
/// The part of a Kubernetes API server that Microsoft.Orleans.Hosting.Kubernetes' agent uses (core/v1 pods of one
/// namespace: read, merge-patch, list by label selector, watch), over plain HTTP on loopback, for silos started with
/// a kubeconfig (<see cref="WriteKubeconfig"/>) instead of a pod's service account. Pods are added and deleted by the
/// test, as the kubelet and a Deployment would; every request is recorded. A watch stays open without events.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Dictionary<string, string>> _pods = new();
    private readonly ConcurrentQueue<string> _requests = new();

    private FakeKubernetesApi(WebApplication app, string @namespace)
    {
        _app = app;
        Namespace = @namespace;
    }

    public string Namespace { get; }

    public string BaseUrl { get; private set; } = "";

    /// <summary>"METHOD path?query" of every request so far.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>The labels of pod <paramref name="name"/> now (with what the agent patched in), or null when it does not exist.</summary>
    public IReadOnlyDictionary<string, string>? Labels(string name)
    {
        if (!_pods.TryGetValue(name, out var labels)) return null;
        lock (labels) return new Dictionary<string, string>(labels);
    }

    public void AddPod(string name) => _pods[name] = new Dictionary<string, string> { ["app"] = "silo" };

    public void DeletePod(string name) => _pods.TryRemove(name, out _);

    /// <summary>A kubeconfig naming this server (no TLS, a bearer token), with the namespace as the context's.</summary>
    public string WriteKubeconfig(string directory)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {BaseUrl}
            users:
            - name: silo
              user:
                token: test-token
            contexts:
            - name: fake
              context:
                cluster: fake
                user: silo
                namespace: {Namespace}
            current-context: fake
            """);
        return path;
    }

    public static async Task<FakeKubernetesApi> StartAsync(string @namespace)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var api = new FakeKubernetesApi(app, @namespace);
        app.Run(api.HandleAsync);
        await app.StartAsync();
        api.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return api;
    }

    /// <summary>Routes <c>/api/v1/namespaces/NS/pods[/NAME]</c>; anything else is 404.</summary>
    private async Task HandleAsync(HttpContext context)
    {
        _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        var pods = $"/api/v1/namespaces/{Namespace}/pods";
        var path = context.Request.Path.Value ?? "";
        if (path == pods && HttpMethods.IsGet(context.Request.Method))
        {
            await ListAsync(context);
            return;
        }
        var name = path.StartsWith(pods + "/", StringComparison.Ordinal) ? path[(pods.Length + 1)..] : null;
        if (name is null || !_pods.TryGetValue(name, out var labels))
        {
            await WriteAsync(context, NotFound(name ?? path), 404);
            return;
        }
        if (HttpMethods.IsPatch(context.Request.Method))
        {
            var patch = await JsonNode.ParseAsync(context.Request.Body);
            lock (labels)
            {
                foreach (var (key, value) in patch?["metadata"]?["labels"]?.AsObject() ?? [])
                    labels[key] = value!.GetValue<string>();
            }
        }
        await WriteAsync(context, PodJson(name));
    }

    private async Task ListAsync(HttpContext context)
    {
        if (context.Request.Query["watch"] == "true" || context.Request.Query["watch"] == "1")
        {
            // A watch: headers now, then no event until the client goes away.
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync();
            await context.Response.Body.FlushAsync();
            try { await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted); }
            catch (OperationCanceledException) { }
            return;
        }
        var selector = (context.Request.Query["labelSelector"].ToString() ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(term => term.Split('=', 2)).ToList();
        var items = new JsonArray();
        foreach (var name in _pods.Keys.Order())
        {
            var labels = Labels(name);
            if (labels is not null && selector.All(s => labels.TryGetValue(s[0], out var v) && v == s[1])) items.Add(PodJson(name));
        }
        await WriteAsync(context, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PodList",
            ["metadata"] = new JsonObject { ["resourceVersion"] = "1" },
            ["items"] = items,
        });
    }

    private JsonObject PodJson(string name)
    {
        var labels = new JsonObject();
        foreach (var (key, value) in Labels(name) ?? new Dictionary<string, string>()) labels[key] = value;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace, ["labels"] = labels },
            ["status"] = new JsonObject { ["phase"] = "Running" },
        };
    }

    private static JsonObject NotFound(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Status",
        ["status"] = "Failure",
        ["reason"] = "NotFound",
        ["message"] = $"pods \"{name}\" not found",
        ["code"] = 404,
    };

    private static async Task WriteAsync(HttpContext context, JsonObject body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
