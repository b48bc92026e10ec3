using System.Globalization;

namespace OrleansMail.Bench;

/// <summary>
/// The .NET runtime's allocation counter of a process, read from its Prometheus <c>/metrics</c> (README
/// "Observability"): the <c>System.Runtime</c> meter's <c>dotnet.gc.heap.total_allocated</c>, which the OpenTelemetry
/// Prometheus exporter names <c>dotnet_gc_heap_total_allocated_bytes_total</c>. It is
/// <c>GC.GetTotalAllocatedBytes()</c>: every managed allocation of the process, its embedded silo included.
/// </summary>
internal static class AllocationCounter
{
    private const string Metric = "dotnet_gc_heap_total_allocated_bytes";

    /// <summary>Bytes allocated since the process started, or null when the endpoint or the metric is missing.</summary>
    public static async Task<long?> ReadAsync(HttpClient http, string url)
    {
        string text;
        try
        {
            text = await http.GetStringAsync(url);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(Metric, StringComparison.Ordinal)) continue;
            // "name{labels} value [timestamp]" or "name value [timestamp]".
            var rest = line[Metric.Length..];
            if (rest.StartsWith("_total", StringComparison.Ordinal)) rest = rest["_total".Length..];
            if (!rest.IsEmpty && rest[0] == '{') rest = rest[(rest.IndexOf('}') + 1)..];
            rest = rest.TrimStart(' ');
            var end = rest.IndexOf(' ');
            if (end >= 0) rest = rest[..end];
            if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return (long)value;
        }
        return null;
    }

    /// <summary>What one scrape allocates in the process itself: the difference of two scrapes in a row (at least 0).</summary>
    public static async Task<long> ScrapeCostAsync(HttpClient http, string url)
    {
        var first = await ReadAsync(http, url);
        var second = await ReadAsync(http, url);
        return first is { } a && second is { } b ? Math.Max(0, b - a) : 0;
    }
}
