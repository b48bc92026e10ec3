using System.Globalization;
using System.Text;

namespace OrleansMail.Bench.Soak;

/// <summary>Invariant (e): the RSS of every process, sampled through the run (<see cref="SoakChecks"/>).</summary>
internal sealed partial class SoakChecks
{
    /// <summary>The kind of a role: silo2 → silo, frontend1 → frontend (a worker such as "dovecot1 imap" has none).</summary>
    private static string? KindOf(string role) => role.Contains(' ', StringComparison.Ordinal) ? null : role.TrimEnd("0123456789".ToCharArray());

    /// <summary>
    /// (e1) no growth trend over the last 20 minutes (short: 2) for every process that lived through it: the references
    /// (silo1, frontend1, never killed), Redis, the auth server, each Dovecot and Postfix worker; (e2) every process of the
    /// kill rotation (silo2, silo3, frontend2, each incarnation) bounded by its kind's reference's peak. A process started
    /// again minutes before the end is still growing to its steady state (JIT, heap growth, grains placed on it): a
    /// trend over its short life cannot tell that from a leak, its peak against a long-lived one of its kind can.
    /// </summary>
    private void Rss()
    {
        var window = TimeSpan.FromMinutes(_options.Short ? 2 : 20);
        var minSpan = TimeSpan.FromMinutes(_options.Short ? 1 : 3);
        var warmup = TimeSpan.FromSeconds(60);
        var from = _runner.EndedMs - (long)window.TotalMilliseconds;
        var all = _runner.Records.Rss.ToList();
        var incarnations = all.GroupBy(s => (s.Role, s.Pid)).OrderBy(g => g.Key.Role).ThenBy(g => g.Min(s => s.Ms)).ToList();
        var referenceKinds = _options.References.ToDictionary(r => KindOf(r) ?? r, r => r);
        bool InRotation(string role) => KindOf(role) is { } kind && referenceKinds.ContainsKey(kind) && !_options.References.Contains(role);
        WriteRssCsv(all);

        // (e1) trends
        var rows = new List<object>();
        var broken = new List<string>();
        var lines = new List<string>();
        var checkedRoles = new HashSet<string>();
        foreach (var incarnation in incarnations.Where(i => !InRotation(i.Key.Role)))
        {
            var first = incarnation.Min(s => s.Ms);
            var samples = incarnation.Where(s => s.Ms >= from && s.Ms >= first + warmup.TotalMilliseconds).OrderBy(s => s.Ms).ToList();
            var maxMb = incarnation.Max(s => s.RssBytes) / 1048576.0;
            if (samples.Count < 5 || samples[^1].Ms - samples[0].Ms < minSpan.TotalMilliseconds) continue;
            var xs = samples.Select(s => (s.Ms - samples[0].Ms) / 60000.0).ToArray();
            var ys = samples.Select(s => s.RssBytes / 1048576.0).ToArray();
            var (mx, my) = (xs.Average(), ys.Average());
            var slope = xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum() / Math.Max(1e-9, xs.Sum(x => (x - mx) * (x - mx)));
            var minutes = xs[^1];
            var median = ys.Order().ElementAt(ys.Length / 2);
            var bound = Math.Max(0.25 * median, 32) / window.TotalMinutes;   // MB per minute
            var ok = slope <= bound;
            checkedRoles.Add(incarnation.Key.Role);
            var name = _options.References.Contains(incarnation.Key.Role) ? incarnation.Key.Role + " (reference)" : incarnation.Key.Role;
            rows.Add(new { role = incarnation.Key.Role, pid = incarnation.Key.Pid, minutes = Math.Round(minutes, 1), median_mb = Math.Round(median, 1), max_mb = Math.Round(maxMb, 1), slope_mb_per_min = Math.Round(slope, 3), bound_mb_per_min = Math.Round(bound, 3), ok });
            lines.Add(F($"| {name} | {incarnation.Key.Pid} | {minutes:F1} | {median:F0} | {maxMb:F0} | {slope:F2} | {bound:F2} |"));
            if (!ok) broken.Add(F($"{incarnation.Key.Role} (pid {incarnation.Key.Pid}) {slope:F2} MB/min > {bound:F2}"));
        }
        var referencesChecked = _options.References.Count(r => checkedRoles.Contains(r));
        _json["e1_rss_trend"] = rows;
        Verdict("(e1) RSS: no growth trend in any process that lived through the window",
            broken.Count == 0 && rows.Count > 0 && referencesChecked == _options.References.Count,
            F($"every process (and each of Dovecot's and Postfix's workers on its own) sampled every 5 s (raw samples: {Path.GetFileName(_options.OutPrefix)}-rss.csv); every process outside the kill rotation that lived at least {minSpan.TotalMinutes:F0} min of the last {window.TotalMinutes:F0} min after its first 60 s (warm-up) — the never-killed references {string.Join(" and ", _options.References)}, Redis, the auth server, the Dovecot and Postfix processes — must keep the least-squares slope of its RSS below max(25 % of its median RSS, 32 MB) per {window.TotalMinutes:F0} min. {rows.Count} processes checked ({referencesChecked} of {_options.References.Count} references), {broken.Count} over.") + (broken.Count > 0 ? " " + string.Join("; ", broken) : ""));
        Table("| Process | pid | minutes checked | median RSS MB | max RSS MB | slope MB/min | bound MB/min |", lines);

        // (e2) peaks of the kill rotation against the reference of their kind (whole lives, warm-up included: a peak is a peak)
        const double factor = 1.5, slackMb = 32;
        var peakRows = new List<object>();
        var over = new List<string>();
        var peakLines = new List<string>();
        foreach (var incarnation in incarnations.Where(i => InRotation(i.Key.Role)))
        {
            var reference = referenceKinds[KindOf(incarnation.Key.Role)!];
            var referenceSamples = all.Where(s => s.Role == reference).ToList();
            if (referenceSamples.Count == 0) { over.Add($"{reference}: no samples"); continue; }
            var referencePid = referenceSamples.MinBy(s => s.Ms)!.Pid;
            var referencePeak = referenceSamples.Where(s => s.Pid == referencePid).Max(s => s.RssBytes) / 1048576.0;
            var bound = referencePeak * factor + slackMb;
            var peak = incarnation.Max(s => s.RssBytes) / 1048576.0;
            var lived = (incarnation.Max(s => s.Ms) - incarnation.Min(s => s.Ms)) / 60000.0;
            var ok = peak <= bound;
            peakRows.Add(new { role = incarnation.Key.Role, pid = incarnation.Key.Pid, minutes_sampled = Math.Round(lived, 1), peak_mb = Math.Round(peak, 1), reference, reference_pid = referencePid, reference_peak_mb = Math.Round(referencePeak, 1), bound_mb = Math.Round(bound, 1), ok });
            peakLines.Add(F($"| {incarnation.Key.Role} | {incarnation.Key.Pid} | {lived:F1} | {peak:F0} | {reference} {referencePeak:F0} | {bound:F0} |"));
            if (!ok) over.Add(F($"{incarnation.Key.Role} (pid {incarnation.Key.Pid}) peak {peak:F0} MB > {bound:F0}"));
        }
        _json["e2_rss_peak"] = peakRows;
        _json["e2_rule"] = F($"peak RSS of each incarnation of a killed role <= peak RSS of its kind's reference (pid first sampled) x {factor} + {slackMb} MB");
        Verdict("(e2) RSS: every restarted process bounded",
            over.Count == 0 && peakRows.Count > 0,
            F($"each process of the kill rotation (every incarnation of the Silos and Frontend other than {string.Join(" and ", _options.References)}, from its start to its kill or the end) must peak at most at its kind's reference's peak RSS (over the reference's whole life) × {factor} + {slackMb:F0} MB. {peakRows.Count} processes checked, {over.Count} over.") + (over.Count > 0 ? " " + string.Join("; ", over) : ""));
        Table("| Process | pid | minutes sampled | peak RSS MB | reference peak MB | bound MB |", peakLines);
    }

    /// <summary>A markdown table under the last invariant's line (indented into its list item): first column left, the rest right.</summary>
    private void Table(string header, List<string> lines)
    {
        var columns = header.Count(c => c == '|') - 1;
        _md.AppendLine();
        _md.AppendLine("  " + header);
        _md.AppendLine("  |---|" + string.Concat(Enumerable.Repeat("---:|", columns - 1)));
        foreach (var line in lines) _md.AppendLine("  " + line);
        _md.AppendLine();
    }

    /// <summary>The raw RSS samples next to the results (PREFIX-rss.csv), for a reader to plot: seconds from the start, process, pid, RSS bytes.</summary>
    private void WriteRssCsv(List<RssSample> all)
    {
        var csv = new StringBuilder("seconds,process,pid,rss_bytes\n");
        foreach (var s in all.OrderBy(s => s.Ms).ThenBy(s => s.Role, StringComparer.Ordinal))
            csv.Append(F($"{(s.Ms - _runner.StartedMs) / 1000.0:F1},{s.Role},{s.Pid},{s.RssBytes}\n"));
        File.WriteAllText(_options.OutPrefix + "-rss.csv", csv.ToString());
    }
}
