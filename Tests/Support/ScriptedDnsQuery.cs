using DnsClient;

namespace OrleansMail.Tests.Support;

/// <summary>One query <see cref="ScriptedDnsServer"/> received: lower-case name without the trailing dot, type, "udp" or "tcp".</summary>
public sealed record ScriptedDnsQuery(string Name, QueryType Type, string Transport);
