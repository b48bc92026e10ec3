using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansMail.Grains.Admin;

/// <summary>
/// The admin HTTP API on a silo's web app (README "Admin API"): cache flush, unblock, a login's state. Every request
/// needs <c>Authorization: Bearer &lt;Admin:Token&gt;</c>; with no token configured the endpoints are not mapped at all
/// (404), never open.
/// </summary>
public static class AdminEndpoints
{
    public const string TokenKey = "Admin:Token";

    /// <summary>Maps the endpoints when <c>Admin:Token</c> is set; returns whether it did.</summary>
    public static bool MapOrleansMailAdmin(this WebApplication app)
    {
        var token = app.Configuration[TokenKey];
        if (string.IsNullOrWhiteSpace(token)) return false;
        var expected = Encoding.UTF8.GetBytes("Bearer " + token.Trim());

        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
            Authorized(context.HttpContext.Request, expected) ? await next(context) : Results.Unauthorized());

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
        admin.MapUpstreamAdmin();
        return true;
    }

    /// <summary>Registers what the endpoints need (the cluster's grain factory is already there on a silo).</summary>
    public static IServiceCollection AddOrleansMailAdmin(this IServiceCollection services) =>
        services.AddSingleton<LoginAdministration>().AddSingleton<UpstreamAdministration>();

    private static bool Authorized(HttpRequest request, byte[] expected)
    {
        var given = Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString());
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
