using System.Net;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.ClientHost;

/// <summary>
/// <c>resolver off</c> for every listener: the host is always <c>[UNAVAILABLE]</c>, as nginx sends without a
/// resolver (nginx-mail.md §3.4). A stand-in until the DNS resolver is registered in MailProxyApplication.
/// </summary>
internal sealed class NoClientHostResolver : IClientHostResolver
{
    public Task<string> ResolveAsync(EndPoint? client, SmtpSettings settings, CancellationToken cancellationToken) =>
        Task.FromResult(ClientHostNames.Unavailable);
}
