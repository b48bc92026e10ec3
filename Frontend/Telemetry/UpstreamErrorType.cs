using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Frontend.Telemetry;

/// <summary>The <c>error.type</c> label of <c>orleansmail.upstream.connect.failures</c>: why reaching an upstream failed.</summary>
internal static class UpstreamErrorType
{
    public const string Refused = "refused";
    public const string Timeout = "timeout";
    public const string Tls = "tls";
    public const string Closed = "closed";
    public const string InvalidResponse = "invalid_response";
    public const string Other = "other";

    /// <summary>The label of a failure to connect or to complete the login dialogue.</summary>
    public static string Of(Exception error) => error switch
    {
        UpstreamTlsException or System.Security.Authentication.AuthenticationException => Tls,
        OperationCanceledException or TimeoutException => Timeout,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => Refused,
        SocketException { SocketErrorCode: SocketError.TimedOut } => Timeout,
        IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => Refused,
        IOException or ConnectionResetException => Closed,
        _ => Other,
    };
}
