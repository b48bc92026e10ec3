using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using OrleansMail.Bench;
using OrleansMail.Bench.Soak;

// LoadGenerator: the benchmark's client, auth server and runner (see bench/run.sh).
//   serve-auth --port P --upstream-port D [--idle-upstream-port D2] [--pop3-upstream-port D3] [--smtp-upstream-port S]
//              [--password X] [--token-bytes N] [--max-seconds S]             the auth_http server (and token introspection)
//   logins PORT [CONCURRENCY] [SECONDS] [USERS] [imap|pop3|smtp|oauthbearer]   one login run, by hand
//   free-ports N                                                             N free loopback TCP ports
//   bench --target name:port[:pid] ... --direct-port P --dovecot-pid P --auth-port P --auth-pid P [options]
//   flood PORT PID HELD PER_ADDRESS FLOOD USER PASSWORD OUT_PREFIX [--nginx PORT PID] [--check]   the connection flood
//   soak-auth PORT SMTP_UPSTREAM_PORT ANSWER_LOG MAX_SECONDS                  the chaos soak's auth server (bench/soak.sh)
//   soak --minutes M --work DIR --out PREFIX --frontend name:imap:pop3:smtp ... [options]   the chaos soak's clients and checks
try
{
    switch (args.FirstOrDefault())
    {
        case "serve-auth":
            {
                int port = 0, upstream = 0, idleUpstream = 0, pop3Upstream = 0, smtpUpstream = 0, maxSeconds = 3600;
                var tokenBytes = BenchOptions.DefaultTokenBytes;
                var password = "benchpass";
                for (var i = 1; i < args.Length; i += 2)
                {
                    var value = args[i + 1];
                    switch (args[i])
                    {
                        case "--port": port = int.Parse(value, CultureInfo.InvariantCulture); break;
                        case "--upstream-port": upstream = int.Parse(value, CultureInfo.InvariantCulture); break;
                        case "--idle-upstream-port": idleUpstream = int.Parse(value, CultureInfo.InvariantCulture); break;
                        case "--pop3-upstream-port": pop3Upstream = int.Parse(value, CultureInfo.InvariantCulture); break;
                        case "--smtp-upstream-port": smtpUpstream = int.Parse(value, CultureInfo.InvariantCulture); break;
                        case "--password": password = value; break;
                        case "--token-bytes": tokenBytes = int.Parse(value, CultureInfo.InvariantCulture); break;
                        case "--max-seconds": maxSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                        default: throw new ArgumentException($"unknown option {args[i]}");
                    }
                }
                return await AuthServer.RunAsync(port, upstream, idleUpstream, pop3Upstream, smtpUpstream, password, tokenBytes, maxSeconds);
            }
        case "free-ports":
            {
                var count = int.Parse(args[1], CultureInfo.InvariantCulture);
                var listeners = Enumerable.Range(0, count).Select(_ =>
                {
                    var l = new TcpListener(IPAddress.Loopback, 0);
                    l.Start();
                    return l;
                }).ToList();
                Console.WriteLine(string.Join(' ', listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)));
                listeners.ForEach(l => l.Stop());
                return 0;
            }
        case "logins":
            {
                // A single login run, for trying a target by hand: logins PORT [CONCURRENCY] [SECONDS] [USERS] [imap|pop3|smtp|oauthbearer]
                var port = int.Parse(args[1], CultureInfo.InvariantCulture);
                var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50;
                var seconds = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 5;
                var users = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 200;
                var benchUsers = new BenchUsers(users, "benchpass");
                ILoginDialogue dialogue = (args.Length > 5 ? args[5] : "imap") switch
                {
                    "pop3" => new Pop3LoginDialogue(benchUsers),
                    "smtp" => new SmtpLoginDialogue(benchUsers),
                    "oauthbearer" => new ImapOAuthBearerLoginDialogue(benchUsers, BenchOptions.DefaultTokenBytes),
                    _ => new ImapLoginDialogue(benchUsers),
                };
                var run = await Scenarios.LoginsAsync(port, concurrency, TimeSpan.FromSeconds(Math.Min(seconds, 600)), 1_000_000, dialogue);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Rate:F0} logins/s, p50 {run.P50Ms:F2} ms, p99 {run.P99Ms:F2} ms, {run.Logins} logins, {run.Errors} errors {run.FirstError}"));
                return run.Errors == 0 ? 0 : 1;
            }
        case "bench":
            {
                var options = BenchOptions.Parse(args[1..]);
                FileLimit.RaiseToHard();
                BenchRunner.Log($"open files limit {FileLimit.Current()}; targets {string.Join(", ", options.Targets.Select(t => $"{t.Name}:{t.Port}"))}");
                var stopwatch = Stopwatch.StartNew();
                var runner = new BenchRunner(options);
                await runner.RunAsync();
                var report = new Report(options, runner, stopwatch.Elapsed.TotalSeconds);
                report.Write(options.OutPrefix);
                Console.WriteLine();
                Console.WriteLine(report.ToMarkdown(Path.GetFileName(options.OutPrefix) + ".svg"));
                BenchRunner.Log($"wrote {options.OutPrefix}.json, .md, .svg in {stopwatch.Elapsed.TotalSeconds:F0} s");
                if (options.Check)
                {
                    var problems = report.Problems(options.OutPrefix);
                    foreach (var problem in problems) Console.Error.WriteLine($"CHECK FAILED: {problem}");
                    if (problems.Count > 0) return 1;
                    BenchRunner.Log("check passed: every scenario produced numbers for every target, zero errors, files written");
                }
                return 0;
            }
        case "flood":
            {
                int Arg(int i) => int.Parse(args[i], CultureInfo.InvariantCulture);
                FileLimit.RaiseToHard();
                var (held, perAddress, flood) = (Arg(3), Arg(4), Arg(5));
                if (held > 12_000 || flood > 12_000) throw new ArgumentException("flood: at most 12,000 connections each (20,000 fds)");
                // --nginx PORT PID: a fresh nginx holds the same idle pre-login connections first (RSS per connection).
                var nginxAt = Array.IndexOf(args, "--nginx");
                (int Opened, double RssPerIdleConnectionBytes, string? FirstError)? nginx = nginxAt > 0
                    ? await PreloginFlood.NginxIdleAsync(Arg(nginxAt + 1), Arg(nginxAt + 2), held, perAddress)
                    : null;
                var result = await PreloginFlood.RunAsync(Arg(1), Arg(2), held, perAddress, flood, args[6], args[7]);
                if (nginx is { } n) result = result with { NginxHeld = n.Opened, NginxRssPerIdleConnectionBytes = n.RssPerIdleConnectionBytes };
                var problems = PreloginFlood.Report(result, perAddress, args[8]);
                foreach (var problem in problems) Console.Error.WriteLine($"CHECK FAILED: {problem}");
                return args.Contains("--check") && problems.Count > 0 ? 1 : 0;
            }
        case "soak-auth":
            return await SoakAuthServer.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), args[3],
                int.Parse(args[4], CultureInfo.InvariantCulture));
        case "soak":
            {
                var options = SoakOptions.Parse(args[1..]);
                FileLimit.RaiseToHard();
                var runner = new SoakRunner(options);
                await runner.RunAsync();
                var checks = new SoakChecks(options, runner);
                checks.Run();
                checks.Write(options.OutPrefix);
                Console.WriteLine();
                Console.WriteLine(checks.Markdown);
                foreach (var problem in checks.Problems) Console.Error.WriteLine($"INVARIANT BROKEN: {problem}");
                return checks.Problems.Count == 0 ? 0 : 1;
            }
        default:
            Console.Error.WriteLine("usage: LoadGenerator serve-auth|free-ports|bench|flood|soak-auth|soak ... (see bench/run.sh, bench/soak.sh)");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or IndexOutOfRangeException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

/// <summary>The process's open-files limit (RLIMIT_NOFILE): N idle sessions need N sockets here.</summary>
internal static partial class FileLimit
{
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    public static void RaiseToHard()
    {
        if (GetRLimit(RlimitNofile, out var limit) != 0 || limit.Current >= limit.Maximum) return;
        limit.Current = limit.Maximum;
        _ = SetRLimit(RlimitNofile, limit);
    }

    public static string Current() =>
        GetRLimit(RlimitNofile, out var limit) == 0 ? $"{limit.Current} (hard {limit.Maximum})" : "unknown";
}
