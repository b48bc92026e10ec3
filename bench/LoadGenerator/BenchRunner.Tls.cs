namespace OrleansMail.Bench;

/// <summary>
/// The TLS scenarios (<see cref="TlsScenarios"/>): for each, every target run.sh gave it, interleaved and
/// rotated per round like the plaintext scenarios, measured by the same code (logins, relay), with a
/// <see cref="TlsClient"/> per scenario and target whose handshake counters give each run's resumed share.
/// </summary>
internal sealed partial class BenchRunner
{
    private readonly Dictionary<(string Scenario, string Target), ILoginDialogue> _tlsDialogues = [];
    private readonly Dictionary<(string Scenario, string Target), TlsClient> _tlsClients = [];

    /// <summary>TLS login samples (the submission's "login" is the whole submission) by scenario key.</summary>
    public Dictionary<string, List<LoginSample>> TlsLogins { get; } = [];

    /// <summary>The relay scenario over implicit TLS.</summary>
    public List<RelaySample> TlsRelays { get; } = [];

    private IEnumerable<(TlsScenario Scenario, List<BenchTarget> Targets)> TlsScenariosToRun() =>
        TlsScenarios.All.Where(s => options.TlsTargets.ContainsKey(s.Key)).Select(s => (s, options.TlsTargets[s.Key]));

    /// <summary>
    /// The client of one scenario and target. Each target has its own SNI name because .NET's client keeps one session
    /// per TargetHost: a session from one server offered to another would fail to resume for a reason that is not the
    /// server's. The ECDSA rows all use the name Dovecot's <c>local_name</c> block gives its ECDSA certificate.
    /// </summary>
    private TlsClient Client(TlsScenario scenario, BenchTarget target)
    {
        if (!_tlsClients.TryGetValue((scenario.Key, target.Name), out var client))
        {
            var host = scenario.Ecdsa ? "ecdsa.bench.localhost" : $"{target.Name}.bench.localhost";
            _tlsClients[(scenario.Key, target.Name)] = client = new TlsClient(host, options.TlsCertificates[scenario.Certificate], scenario.Resume);
        }
        return client;
    }

    private ILoginDialogue Dialogue(TlsScenario scenario, BenchTarget target)
    {
        if (!_tlsDialogues.TryGetValue((scenario.Key, target.Name), out var dialogue))
        {
            var tls = Client(scenario, target);
            dialogue = scenario.Kind switch
            {
                TlsScenarioKind.ImapImplicit => new ImplicitTlsDialogue(_imap, tls),
                TlsScenarioKind.ImapStartTls => new ImapStartTlsDialogue(_users, tls),
                TlsScenarioKind.Pop3Implicit => new ImplicitTlsDialogue(_pop3, tls),
                TlsScenarioKind.Submission => new SmtpSubmissionDialogue(_users, tls, _smtpMessage),
                _ => throw new InvalidOperationException($"{scenario.Key} is not a login scenario"),
            };
            _tlsDialogues[(scenario.Key, target.Name)] = dialogue;
        }
        return dialogue;
    }

    /// <summary>SMTP submissions carry a 100 KB message each: as many at once as the SMTP message scenario sends.</summary>
    private int Concurrency(TlsScenario scenario) => scenario.Kind == TlsScenarioKind.Submission ? options.SmtpConcurrency : options.Concurrency;

    /// <summary>Each TLS scenario once per target (the resumption rows' clients also get their first sessions here).</summary>
    private async Task WarmUpTlsAsync()
    {
        var seconds = TimeSpan.FromSeconds(Math.Min(options.WarmupSeconds, 2));
        foreach (var (scenario, targets) in TlsScenariosToRun())
        {
            foreach (var target in targets)
            {
                if (scenario.Kind == TlsScenarioKind.Relay)
                {
                    var relay = await Scenarios.RelayAsync(target.Port, TimeSpan.FromSeconds(Math.Min(1, options.WarmupSeconds)), 50, _users, Client(scenario, target));
                    Log($"warm-up {scenario.Key} {target.Name}: {relay.MegabytesPerSecond:F0} MB/s{Err(relay.FirstError)}");
                    continue;
                }
                var warm = await Scenarios.LoginsAsync(target.Port, Concurrency(scenario), seconds, options.MaxLogins, Dialogue(scenario, target));
                Log($"warm-up {scenario.Key} {target.Name}: {warm.Rate:F0}/s, {warm.Errors} errors{Err(warm.FirstError)}");
            }
        }
    }

    private async Task MeasureTlsRoundAsync(int round)
    {
        foreach (var (scenario, targets) in TlsScenariosToRun())
        {
            foreach (var target in Rotate(targets, round - 1))
            {
                if (scenario.Kind == TlsScenarioKind.Relay)
                {
                    TlsRelays.Add(await MeasureRelayAsync(target, round, Client(scenario, target)));
                    continue;
                }
                if (!TlsLogins.TryGetValue(scenario.Key, out var samples)) TlsLogins[scenario.Key] = samples = [];
                samples.Add(await MeasureLoginsAsync(target, round, Dialogue(scenario, target), Concurrency(scenario)));
            }
        }
    }
}
