using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Auth;
using OrleansMail.Frontend.ClientHost;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Frontend.Sessions;

/// <summary>The process-wide services every mail session uses, whatever its protocol; one instance per process.</summary>
internal sealed record SessionServices(
    LoginGrainClient Decider,
    UpstreamConnector Connector,
    RelayIdleMonitor RelayMonitor,
    TimeProvider Time,
    ILoggerFactory LoggerFactory,
    IClientHostResolver ClientHostResolver,
    SessionLeaseRenewer Leases,
    UpstreamFailureReports UpstreamReports,
    Telemetry.FrontendMetrics Metrics,
    Telemetry.LoginTracer Tracer,
    SessionDrain Drain);
