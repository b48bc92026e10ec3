using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Upstreams;

/// <summary>What an upstream's grain persists: only the operator's mode. Health is re-learnt by probing within seconds.</summary>
[GenerateSerializer, Alias("mail.UpstreamGrainState")]
public sealed class UpstreamGrainState
{
    [Id(0)] public UpstreamMode Mode { get; set; }
}
