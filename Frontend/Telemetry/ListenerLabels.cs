using System.Diagnostics;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Frontend.Telemetry;

/// <summary>
/// The two labels every per-listener instrument carries (README "Observability"): <c>protocol</c> (imap, pop3, smtp)
/// and <c>listener</c> (the listen address:port as configured). Built once per listener, so a measurement only copies
/// two references into a <see cref="System.Diagnostics.TagList"/> (no allocation up to eight tags).
/// </summary>
internal sealed class ListenerLabels(ServerSettings settings)
{
    /// <summary><c>imap</c>, <c>pop3</c> or <c>smtp</c>.</summary>
    public string Protocol { get; } = TelemetryLabels.Protocol(settings.Protocol);

    /// <summary>The name of this protocol's login span, <c>imap login</c>, <c>pop3 login</c> or <c>smtp login</c>.</summary>
    public string LoginSpanName { get; } = TelemetryLabels.Protocol(settings.Protocol) + " login";

    /// <summary>The listen address:port, e.g. <c>0.0.0.0:143</c>.</summary>
    public string Listener { get; } = settings.Listen.ToString();

    /// <summary>A fresh tag list holding <c>protocol</c> and <c>listener</c>; add the instrument's own labels to it.</summary>
    public TagList Tags() => new() { { "protocol", Protocol }, { "listener", Listener } };
}
