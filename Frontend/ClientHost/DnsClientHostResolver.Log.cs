using System.Net;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.ClientHost;

/// <summary>Log lines of <see cref="DnsClientHostResolver"/>, worded as nginx's. A PTR name is logged only escaped.</summary>
internal sealed partial class DnsClientHostResolver
{
    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "{Client} could not be resolved ({Reason})")]
    private partial void LogNotResolved(IPAddress client, string reason);

    [LoggerMessage(EventId = 2041, Level = LogLevel.Warning, Message = "\"{Name}\" could not be resolved ({Reason})")]
    private partial void LogNameNotResolved(string name, string reason);

    [LoggerMessage(EventId = 2042, Level = LogLevel.Warning, Message = "{Client} resolved to an invalid host name \"{EscapedName}\"")]
    private partial void LogInvalidName(IPAddress client, string escapedName);

    [LoggerMessage(EventId = 2043, Level = LogLevel.Information, Message = "{Client} is not an address of \"{Name}\"")]
    private partial void LogNotConfirmed(IPAddress client, string name);

    [LoggerMessage(EventId = 2044, Level = LogLevel.Debug, Message = "address {Client} resolved: {Name}")]
    private partial void LogResolved(IPAddress client, string name);
}
