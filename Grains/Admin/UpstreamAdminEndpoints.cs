using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Admin;

/// <summary>
/// The upstream part of the admin API (README "Upstream pools"), under the authenticated <c>/admin</c> group:
/// <c>GET /admin/upstreams</c>; <c>POST /admin/upstreams/{address}/drain</c> (no new users, sessions go on),
/// <c>/maintenance</c> (never chosen) and <c>/undrain</c> (back in service). <c>?protocol=imap</c> limits a change to
/// one pool when an address is in several.
/// </summary>
public static class UpstreamAdminEndpoints
{
    public static RouteGroupBuilder MapUpstreamAdmin(this RouteGroupBuilder admin)
    {
        admin.MapGet("/upstreams", async (UpstreamAdministration upstreams) =>
            Results.Ok((await upstreams.ListAsync()).Select(View)));
        MapMode(admin, "drain", UpstreamMode.Draining);
        MapMode(admin, "maintenance", UpstreamMode.Maintenance);
        MapMode(admin, "undrain", UpstreamMode.Active);
        return admin;
    }

    private static void MapMode(RouteGroupBuilder admin, string verb, UpstreamMode mode) =>
        admin.MapPost($"/upstreams/{{address}}/{verb}", async (string address, string? protocol, UpstreamAdministration upstreams) =>
        {
            MailProtocol? only = null;
            if (protocol is not null)
            {
                if (!Enum.TryParse<MailProtocol>(protocol, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                    return Results.BadRequest(new { error = "protocol must be imap, pop3 or smtp" });
                only = parsed;
            }
            var changed = await upstreams.SetModeAsync(address, only, mode);
            return changed is null ? Results.NotFound(new { error = $"{address} is in no upstream pool" }) : Results.Ok(changed.Select(View));
        });

    /// <summary>The JSON shape: the one-word state next to what it is made of.</summary>
    private static object View(UpstreamStatus s) => new
    {
        protocol = s.Protocol.ToString().ToLowerInvariant(),
        address = s.Address,
        state = s.State.ToString().ToLowerInvariant(),
        mode = s.Mode.ToString().ToLowerInvariant(),
        healthy = s.Healthy,
        consecutiveFailures = s.ConsecutiveFailures,
        lastError = s.LastError,
        lastCheck = s.LastCheck,
        since = s.Since,
    };
}
