using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.ClientHost;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.ClientHost;

/// <summary>
/// The SMTP Client-Host lookup against a scripted DNS server (src/mail/ngx_mail_smtp_handler.c; nginx.org/en/security_advisories.html CVE-2026-28753): the outcomes
/// nginx gives for each DNS answer, the names that must never come back, the deadline and cancellation.
/// </summary>
public sealed class DnsClientHostResolverTests : IAsyncDisposable
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Client6 = IPAddress.Parse("2001:db8::10");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ScriptedDnsServer _dns = ScriptedDnsServer.Start();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly DnsClientHostResolver _resolver;

    public DnsClientHostResolverTests()
    {
        _resolver = new DnsClientHostResolver(TimeProvider.System, new LoggerFactory([_logs]).CreateLogger<DnsClientHostResolver>());
    }

    public async ValueTask DisposeAsync() => await _dns.DisposeAsync();

    [Fact]
    public async Task Without_a_resolver_the_host_is_unavailable_and_nothing_is_asked()
    {
        _dns.Ptr(Client, "mail.example.org");
        _dns.Address("mail.example.org", Client);

        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525), Settings([])));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task A_client_without_an_IP_address_is_temporarily_unavailable()
    {
        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(new UnixDomainSocketEndPoint("/tmp/orleansmail-smtp.sock")));
        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(null));
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task A_forward_confirmed_PTR_name_is_the_host_without_its_trailing_dot()
    {
        _dns.Ptr(Client, "mail.example.org");
        _dns.Address("mail.example.org", IPAddress.Parse("192.0.2.99"), Client);

        Assert.Equal("mail.example.org", await ResolveAsync(new IPEndPoint(Client, 2525)));
        Assert.Equal(
            [new("10.2.0.192.in-addr.arpa", QueryType.PTR, "udp"), new("mail.example.org", QueryType.A, "udp")],
            _dns.Queries);
    }

    [Fact]
    public async Task An_IPv6_client_is_confirmed_by_AAAA_records()
    {
        _dns.Ptr(Client6, "six.example.org");
        _dns.Address("six.example.org", Client, Client6);

        Assert.Equal("six.example.org", await ResolveAsync(new IPEndPoint(Client6, 2525)));
        Assert.Equal([QueryType.PTR, QueryType.AAAA], _dns.Queries.Select(q => q.Type));
        Assert.EndsWith(".ip6.arpa", _dns.Queries[0].Name);
    }

    [Fact]
    public async Task An_IPv6_client_is_not_confirmed_by_an_A_record_of_the_name()
    {
        _dns.Ptr(Client6, "six.example.org");
        _dns.Address("six.example.org", Client);

        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client6, 2525)));
    }

    [Fact]
    public async Task An_IPv4_mapped_client_is_looked_up_as_IPv4()
    {
        _dns.Ptr(Client, "mail.example.org");
        _dns.Address("mail.example.org", Client);

        Assert.Equal("mail.example.org", await ResolveAsync(new IPEndPoint(Client.MapToIPv6(), 2525)));
        Assert.Equal(["10.2.0.192.in-addr.arpa", "mail.example.org"], _dns.Queries.Select(q => q.Name));
        Assert.Equal(QueryType.A, _dns.Queries[1].Type);
    }

    [Fact]
    public async Task NXDOMAIN_for_the_PTR_is_unavailable()
    {
        // Nothing scripted: the server answers NXDOMAIN.
        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525)));
        Assert.Single(_dns.Queries);
        Assert.Contains(_logs.Lines, l => l.Contains("192.0.2.10 could not be resolved (3: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_answer_without_a_PTR_record_is_unavailable()
    {
        _dns.Reply(Client.GetArpaName(), QueryType.PTR, ScriptedDnsReply.Records());

        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525)));
    }

    [Fact]
    public async Task A_forward_lookup_without_the_client_address_is_unavailable()
    {
        _dns.Ptr(Client, "spoofed.example.org");
        _dns.Address("spoofed.example.org", IPAddress.Parse("198.51.100.1"));

        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525)));
    }

    [Fact]
    public async Task NXDOMAIN_or_no_address_for_the_PTR_name_is_unavailable()
    {
        _dns.Ptr(Client, "gone.example.org");
        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525)));

        _dns.Reply("gone.example.org", QueryType.A, ScriptedDnsReply.Records());
        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525)));
    }

    [Fact]
    public async Task SERVFAIL_for_the_PTR_or_for_the_name_is_temporarily_unavailable()
    {
        _dns.Reply(Client.GetArpaName(), QueryType.PTR, ScriptedDnsReply.ServFail);
        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(new IPEndPoint(Client, 2525)));

        _dns.Ptr(Client, "mail.example.org");
        _dns.Reply("mail.example.org", QueryType.A, ScriptedDnsReply.ServFail);
        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(new IPEndPoint(Client, 2525)));
        Assert.Contains(_logs.Lines, l => l.Contains("\"mail.example.org\" could not be resolved (2: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silent_server_is_temporarily_unavailable_within_the_resolver_timeout()
    {
        _dns.Reply(Client.GetArpaName(), QueryType.PTR, ScriptedDnsReply.Silence);
        var timeout = TimeSpan.FromSeconds(2);

        var clock = Stopwatch.StartNew();
        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(new IPEndPoint(Client, 2525), Settings([_dns.EndPoint], timeout)));

        // Half the deadline is the PTR query's share (the other half is kept for the forward lookup).
        Assert.InRange(clock.Elapsed, timeout * 0.45, timeout + TimeSpan.FromSeconds(5));
        Assert.Single(_dns.Queries); // no retries
    }

    [Fact]
    public async Task A_silent_forward_lookup_is_temporarily_unavailable_within_the_resolver_timeout()
    {
        _dns.Ptr(Client, "mail.example.org");
        _dns.Reply("mail.example.org", QueryType.A, ScriptedDnsReply.Silence);
        var timeout = TimeSpan.FromSeconds(2);

        var clock = Stopwatch.StartNew();
        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(new IPEndPoint(Client, 2525), Settings([_dns.EndPoint], timeout)));

        Assert.InRange(clock.Elapsed, timeout * 0.45, timeout + TimeSpan.FromSeconds(5));
        Assert.Equal(2, _dns.Queries.Count);
    }

    [Fact]
    public async Task A_silent_server_is_skipped_for_the_next_configured_one()
    {
        // Whatever order the servers are asked in, for the PTR and again for the name, the working one answers
        // within the deadline.
        await using var silent = ScriptedDnsServer.Start();
        silent.Reply(Client.GetArpaName(), QueryType.PTR, ScriptedDnsReply.Silence);
        silent.Reply("mail.example.org", QueryType.A, ScriptedDnsReply.Silence);
        _dns.Ptr(Client, "mail.example.org");
        _dns.Address("mail.example.org", Client);

        // Servers are asked in random order: a few rounds see both orders.
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal("mail.example.org", await ResolveAsync(new IPEndPoint(Client, 2525), Settings([silent.EndPoint, _dns.EndPoint], TimeSpan.FromSeconds(8))));
        }
    }

    [Fact]
    public async Task A_truncated_UDP_answer_is_asked_again_over_TCP()
    {
        _dns.Reply(Client.GetArpaName(), QueryType.PTR, ScriptedDnsReply.Names("mail.example.org") with { TruncatedOverUdp = true });
        _dns.Address("mail.example.org", Client);

        Assert.Equal("mail.example.org", await ResolveAsync(new IPEndPoint(Client, 2525)));
        Assert.Equal(["udp", "tcp"], _dns.Queries.Where(q => q.Type == QueryType.PTR).Select(q => q.Transport));
    }

    /// <summary>CVE-2026-28753: each of these would inject into Client-Host or XCLIENT NAME= if passed on.</summary>
    [Theory]
    [InlineData("evil\r\nAuth-User: admin.example.org")]
    [InlineData("evil\n.example.org")]
    [InlineData("evil\r.example.org")]
    [InlineData("two words.example.org")]
    [InlineData("name=value.example.org")]
    [InlineData("under_score.example.org")]
    [InlineData("café.example.org")]
    [InlineData("nul\0byte.example.org")]
    [InlineData("")]
    public async Task A_PTR_name_with_anything_but_letters_digits_dots_and_hyphens_is_temporarily_unavailable(string name)
    {
        _dns.Ptr(Client, name);
        _dns.Address(name, Client); // would confirm it, were it ever asked

        var host = await ResolveAsync(new IPEndPoint(Client, 2525));

        Assert.Equal("[TEMPUNAVAIL]", host);
        Assert.DoesNotContain(_dns.Queries, q => q.Type != QueryType.PTR);
        var line = Assert.Single(_logs.Lines, l => l.Contains("192.0.2.10 resolved to an invalid host name", StringComparison.Ordinal));
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\0', line);
        Assert.DoesNotContain(_logs.Lines, l => l.Any(c => c > '\u007e'));
    }

    [Fact]
    public async Task An_invalid_PTR_name_is_logged_with_its_control_and_non_ASCII_bytes_escaped()
    {
        _dns.Ptr(Client, "evil\r\nAuth-User: café.example.org");

        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(new IPEndPoint(Client, 2525)));
        Assert.Contains(_logs.Lines, l => l.Contains(
            "192.0.2.10 resolved to an invalid host name \"evil\\013\\010Auth-User: caf\\195\\169.example.org\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Of_several_PTR_names_the_first_valid_forward_confirmed_one_is_the_host()
    {
        _dns.Ptr(Client, "bad\r\nname.example.org", "other.example.org", "mail.example.org", "also.example.org");
        _dns.Address("other.example.org", IPAddress.Parse("198.51.100.1"));
        _dns.Address("mail.example.org", Client);
        _dns.Address("also.example.org", Client);

        Assert.Equal("mail.example.org", await ResolveAsync(new IPEndPoint(Client, 2525)));
        Assert.Equal(["other.example.org", "mail.example.org"], _dns.Queries.Where(q => q.Type == QueryType.A).Select(q => q.Name));
    }

    [Fact]
    public async Task Of_several_unconfirmed_PTR_names_an_invalid_one_makes_the_host_temporarily_unavailable()
    {
        _dns.Ptr(Client, "other.example.org", "bad name.example.org");
        _dns.Address("other.example.org", IPAddress.Parse("198.51.100.1"));
        Assert.Equal("[TEMPUNAVAIL]", await ResolveAsync(new IPEndPoint(Client, 2525)));

        _dns.Ptr(Client, "other.example.org", "gone.example.org");
        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525)));
    }

    [Fact]
    public async Task Only_the_first_few_PTR_names_are_tried()
    {
        var names = Enumerable.Range(0, DnsClientHostResolver.MaxNamesTried + 5).Select(i => $"n{i}.example.org").ToArray();
        _dns.Ptr(Client, names);
        _dns.Address(names[^1], Client);

        Assert.Equal("[UNAVAILABLE]", await ResolveAsync(new IPEndPoint(Client, 2525)));
        Assert.Equal(DnsClientHostResolver.MaxNamesTried, _dns.Queries.Count(q => q.Type == QueryType.A));
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_lookup()
    {
        _dns.Reply(Client.GetArpaName(), QueryType.PTR, ScriptedDnsReply.Silence);
        using var clientGone = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _resolver.ResolveAsync(new IPEndPoint(Client, 2525), Settings([_dns.EndPoint], TimeSpan.FromSeconds(60)), clientGone.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Connections_with_the_same_resolver_list_share_one_lookup_client()
    {
        var first = _resolver.LookupClients.For([new IPEndPoint(IPAddress.Loopback, 53)], Timeout);
        var same = _resolver.LookupClients.For([new IPEndPoint(IPAddress.Loopback, 53)], Timeout);
        var other = _resolver.LookupClients.For([new IPEndPoint(IPAddress.Loopback, 5353)], Timeout);

        Assert.Same(first, same);
        Assert.NotSame(first, other);
    }

    private Task<string> ResolveAsync(EndPoint? client, SmtpSettings? settings = null) =>
        _resolver.ResolveAsync(client, settings ?? Settings([_dns.EndPoint]), TestContext.Current.CancellationToken);

    private static SmtpSettings Settings(IReadOnlyList<IPEndPoint> resolver, TimeSpan? timeout = null) => new(
        SaslMechanisms.Plain | SaslMechanisms.Login, false, [], 4096, TimeSpan.Zero, true, false, resolver, timeout ?? Timeout);
}
