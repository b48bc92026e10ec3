using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Frontend.Telemetry;

/// <summary>
/// The front end's spans of the login trace (README "Observability"), from <see cref="OrleansMailTelemetry.ActivitySource"/>:
/// <c>{protocol} login</c> per session, from accept to relay start or to the end of a session that never relays, with
/// <c>mail.protocol</c>, <c>mail.mechanism</c>, <c>mail.result</c>, <c>mail.upstream</c> and the listener as
/// <c>server.address</c>/<c>server.port</c>; a child <c>upstream connect</c> per connection attempt and a child
/// <c>upstream login</c> for the protocol's login dialogue with the upstream. The login grain call
/// is made while the login span is current, so Orleans' activity propagation carries the trace to the grain and its
/// auth_http request. The login itself (<c>enduser.id</c>) only with <c>Telemetry:TraceLogins=true</c>, read once at
/// start-up; never a secret. Nothing is allocated when no listener samples the source.
/// </summary>
internal sealed class LoginTracer(IConfiguration configuration)
{
    private readonly bool _traceLogins = GrainKeyRedaction.TraceLogins(configuration);

    /// <summary>Starts the session's login span (null when nothing listens); it becomes the current activity.</summary>
    public static Activity? StartLogin(ListenerLabels labels, EndPoint? listener)
    {
        var span = OrleansMailTelemetry.ActivitySource.StartActivity(labels.LoginSpanName, ActivityKind.Server);
        if (span is null) return null;
        span.SetTag("mail.protocol", labels.Protocol);
        if (listener is IPEndPoint ip)
        {
            span.SetTag("server.address", ip.Address.ToString());
            span.SetTag("server.port", ip.Port);
        }
        return span;
    }

    /// <summary>A login attempt: its mechanism, and the login when the operator allows it.</summary>
    public void Attempt(Activity? span, LoginMechanism mechanism, string login)
    {
        if (span is null) return;
        span.SetTag("mail.mechanism", mechanism.Label());
        if (_traceLogins && login.Length > 0) span.SetTag("enduser.id", login);
    }

    /// <summary>How the attempt ended (the last attempt's result stays on the span).</summary>
    public static void Result(Activity? span, LoginResult result) => span?.SetTag("mail.result", result.Label());

    /// <summary>The upstream (host:port) the login goes to.</summary>
    public static void Upstream(Activity? span, string upstream) => span?.SetTag("mail.upstream", upstream);

    /// <summary>Starts an <c>upstream connect</c> span, a child of the current (login) span.</summary>
    public static Activity? StartUpstreamConnect(string upstream, string pool)
    {
        var span = OrleansMailTelemetry.ActivitySource.StartActivity("upstream connect", ActivityKind.Client);
        span?.SetTag("mail.upstream", upstream);
        span?.SetTag("mail.pool", pool);
        return span;
    }

    /// <summary>Starts an <c>upstream login</c> span (the protocol's login dialogue with the upstream), a child of the login span.</summary>
    public static Activity? StartUpstreamLogin(string upstream)
    {
        var span = OrleansMailTelemetry.ActivitySource.StartActivity("upstream login", ActivityKind.Client);
        span?.SetTag("mail.upstream", upstream);
        return span;
    }

    /// <summary>Ends an <c>upstream connect</c> or <c>upstream login</c> span that failed, with the failure's kind.</summary>
    public static void Failed(Activity? span, string errorType)
    {
        if (span is null) return;
        span.SetTag("error.type", errorType);
        span.SetStatus(ActivityStatusCode.Error);
    }
}
