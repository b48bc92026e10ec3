using System.Collections.Concurrent;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// An incoming grain call filter on every silo of a test cluster: records the calls each grain receives (one-way calls
/// included; Orleans' own grains too, such as the memory storage's <c>ReadStateAsync</c>/<c>WriteStateAsync</c>), and can hold one method's calls to one grain until the test lets them through, to show that a caller
/// does not wait for them.
/// </summary>
public sealed class GrainCallRecorder
{
    private readonly ConcurrentQueue<GrainCall> _calls = new();
    private readonly ConcurrentDictionary<(GrainId, string), TaskCompletionSource> _held = new();

    /// <summary>Every call received so far, in arrival order.</summary>
    public IReadOnlyList<GrainCall> Calls => _calls.ToArray();

    /// <summary>Holds <paramref name="method"/>'s calls to <paramref name="target"/> until the returned source is completed.</summary>
    public TaskCompletionSource Hold(GrainId target, string method) =>
        _held.GetOrAdd((target, method), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The filter itself (register with <c>silo.AddIncomingGrainCallFilter</c>).</summary>
    public async Task InvokeAsync(IIncomingGrainCallContext context)
    {
        _calls.Enqueue(new GrainCall(context.TargetId, context.InterfaceMethod.DeclaringType!, context.MethodName));
        if (_held.TryGetValue((context.TargetId, context.MethodName), out var gate)) await gate.Task;
        await context.Invoke();
    }
}

/// <summary>One call a grain received: the grain, the interface called and the method's name.</summary>
public sealed record GrainCall(GrainId Target, Type Interface, string Method)
{
    /// <summary>A call to one of OrleansMail's grains (not to Orleans' own, such as the storage grains).</summary>
    public bool ToOrleansMail => Interface.Namespace?.StartsWith("OrleansMail", StringComparison.Ordinal) == true;
}
