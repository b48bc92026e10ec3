using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Tests.Logging;

/// <summary>
/// Every log message of the Frontend, Grains and Silo assemblies has an explicit EventId, unique across them, listed in
/// docs/logging.md with its level: a new message without a documented id fails here.
/// </summary>
public sealed partial class LogEventIdDocTests
{
    private static readonly Assembly[] Assemblies =
        [typeof(OrleansMail.Frontend.Sessions.MailSession).Assembly, typeof(OrleansMail.Grains.Telemetry.GrainMetrics).Assembly, Assembly.Load("Silo")];

    /// <summary>Every [LoggerMessage] method, by assembly, type and name.</summary>
    private static IReadOnlyList<(string Method, LoggerMessageAttribute Message)> Messages() =>
        Assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Message: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Message is not null)
            .Select(m => (m.Method, m.Message!))
            .ToList();

    /// <summary>The rows of docs/logging.md's event table: EventId and level.</summary>
    private static Dictionary<int, string> DocumentedLevels()
    {
        var doc = File.ReadAllText(Path.Combine(Support.DotnetAppProcess.SolutionDirectory(), "docs", "logging.md"));
        return TableRow().Matches(doc).ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value);
    }

    [GeneratedRegex(@"^\| (\d+) \| (\w+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [Fact]
    public void EveryMessageHasAnExplicitUniqueEventId()
    {
        var messages = Messages();
        Assert.True(messages.Count >= 50, $"only {messages.Count} [LoggerMessage] methods found");
        Assert.Empty(messages.Where(m => m.Message.EventId == 0).Select(m => m.Method));
        Assert.Empty(messages.GroupBy(m => m.Message.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}"));
    }

    [Fact]
    public void EveryEventIdIsDocumentedWithItsLevelAndNothingElseIs()
    {
        var documented = DocumentedLevels();
        var messages = Messages();

        Assert.Empty(messages.Where(m => !documented.TryGetValue(m.Message.EventId, out var level) || level != m.Message.Level.ToString())
            .Select(m => $"{m.Method}: {m.Message.EventId} {m.Message.Level}"));
        Assert.Empty(documented.Keys.Except(messages.Select(m => m.Message.EventId)));
    }
}
