using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace OrleansMail.Grains.Admin;

/// <summary>
/// The admin HTTP API on a silo's web app (README "Admin API"): cache flush, unblock, a login's state and sessions;
/// and the Orleans dashboard under <c>/dashboard</c>. Every request needs <c>Admin:Token</c> and passes
/// <see cref="AdminRequestGuard"/> (bearer to change state, no cross-site requests, every change logged); with no
/// token configured neither is mapped at all (404), never open.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Maps the endpoints when <c>Admin:Token</c> is set; returns whether it did.</summary>
    public static bool MapOrleansMailAdmin(this WebApplication app)
    {
        var token = AdminToken.From(app.Configuration);
        if (token is null) return false;
        var guard = new AdminRequestGuard(new AdminCredentials(token), app.Services.GetRequiredService<ILogger<AdminRequestGuard>>());

        // One check for every admin endpoint, whatever kind: the dashboard serves its assets with plain request
        // delegates, which endpoint filters never see. Routing has already picked the endpoint here (WebApplication
        // runs UseRouting first), so the marker decides, not a path prefix.
        app.Use((context, next) => context.GetEndpoint()?.Metadata.GetMetadata<AdminOnly>() is null
            ? next(context)
            : guard.InvokeAsync(context, () => next(context)));

        // The dashboard shows grain call statistics and what grains return from their parameterless state methods
        // (none of ours returns a secret); HideTrace keeps the live log stream off (AddOrleansMailSilo).
        app.MapOrleansDashboard("/dashboard").WithMetadata(AdminOnly.Instance);

        var admin = app.MapGroup("/admin").WithMetadata(AdminOnly.Instance);

        admin.MapPost("/cache/flush", async (string? login, LoginAdministration administration) =>
        {
            if (login is null) return Results.Ok(new { flushed = await administration.FlushAllAsync() });
            await administration.FlushAsync(login);
            return Results.Ok(new { flushed = 1 });
        });
        admin.MapPost("/throttle/unblock", async (string? login, string? address, LoginAdministration administration) =>
        {
            if (login is null && address is null) return Results.BadRequest(new { error = "login or address required" });
            await administration.UnblockAsync(login, address);
            return Results.Ok(new { unblocked = true });
        });
        admin.MapGet("/users/{login}", async (string login, LoginAdministration administration) =>
            Results.Ok(await administration.ReportAsync(login)));
        admin.MapGet("/sessions", async (string? login, LoginAdministration administration) =>
            login is null
                ? Results.BadRequest(new { error = "login required" })
                : Results.Ok(await administration.SessionsAsync(login)));
        admin.MapUpstreamAdmin();
        return true;
    }

    /// <summary>Registers what the endpoints need (the cluster's grain factory is already there on a silo).</summary>
    public static IServiceCollection AddOrleansMailAdmin(this IServiceCollection services) =>
        services.AddSingleton<LoginAdministration>().AddSingleton<UpstreamAdministration>();

    /// <summary>Marks the endpoints that need the admin token.</summary>
    private sealed class AdminOnly
    {
        public static readonly AdminOnly Instance = new();
    }
}
