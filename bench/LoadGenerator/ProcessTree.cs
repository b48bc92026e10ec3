using System.Globalization;

namespace OrleansMail.Bench;

/// <summary>
/// CPU and memory of a process and all its descendants, from /proc. CPU is utime + stime + cutime + cstime of every
/// live process in the tree: when a child exits and is reaped its whole CPU moves into its parent's cutime/cstime,
/// so the sum stays continuous while Dovecot's imap processes come and go.
/// </summary>
internal static class ProcessTree
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux is 100 for every supported ABI.

    /// <summary>Total CPU seconds of <paramref name="rootPid"/> and its descendants (0 when it is gone).</summary>
    public static double CpuSeconds(int rootPid)
    {
        long ticks = 0;
        foreach (var pid in TreePids(rootPid))
        {
            if (ReadStat(pid) is { } stat) ticks += stat.Utime + stat.Stime + stat.Cutime + stat.Cstime;
        }
        return ticks / TicksPerSecond;
    }

    /// <summary>Sum of VmRSS of the tree in bytes.</summary>
    public static long RssBytes(int rootPid)
    {
        long total = 0;
        foreach (var pid in TreePids(rootPid)) total += ReadRss(pid);
        return total;
    }

    /// <summary>Each process of the tree on its own: pid, command name (<c>/proc/PID/comm</c>) and VmRSS in bytes.</summary>
    public static IEnumerable<(int Pid, string Name, long RssBytes)> EachRss(int rootPid)
    {
        foreach (var pid in TreePids(rootPid))
        {
            string name;
            try
            {
                name = File.ReadAllText($"/proc/{pid}/comm").Trim();
            }
            catch (IOException)
            {
                continue;
            }
            var rss = ReadRss(pid);
            if (rss > 0) yield return (pid, name, rss);
        }
    }

    /// <summary>Number of processes in the tree.</summary>
    public static int Count(int rootPid) => TreePids(rootPid).Count;

    /// <summary>
    /// The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows, whole
    /// machine). A dropped SYN costs the client a 1 s retransmission, which shows up as a p99 near 1,000 ms.
    /// </summary>
    public static long ListenOverflows()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/net/netstat");
            for (var i = 0; i + 1 < lines.Length; i++)
            {
                if (!lines[i].StartsWith("TcpExt:", StringComparison.Ordinal)) continue;
                var names = lines[i].Split(' ');
                var values = lines[i + 1].Split(' ');
                var index = Array.IndexOf(names, "ListenOverflows");
                return index > 0 && index < values.Length ? long.Parse(values[index], CultureInfo.InvariantCulture) : 0;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private static List<int> TreePids(int rootPid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (ReadStat(pid) is not { } stat) continue;
            if (!children.TryGetValue(stat.Ppid, out var list)) children[stat.Ppid] = list = [];
            list.Add(pid);
        }

        var result = new List<int>();
        if (!Directory.Exists($"/proc/{rootPid}")) return result;
        var queue = new Queue<int>();
        queue.Enqueue(rootPid);
        while (queue.Count > 0)
        {
            var pid = queue.Dequeue();
            result.Add(pid);
            if (children.TryGetValue(pid, out var list))
            {
                foreach (var child in list) queue.Enqueue(child);
            }
        }
        return result;
    }

    private readonly record struct Stat(int Ppid, long Utime, long Stime, long Cutime, long Cstime);

    private static Stat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid ...": comm may contain spaces and parentheses; fields start after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] = state (field 3); ppid = field 4; utime..cstime = fields 14..17.
        static long F(string[] f, int field) => long.Parse(f[field - 3], CultureInfo.InvariantCulture);
        return new Stat((int)F(fields, 4), F(fields, 14), F(fields, 15), F(fields, 16), F(fields, 17));
    }

    private static long ReadRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0;
    }
}
