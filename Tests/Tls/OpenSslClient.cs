using System.Diagnostics;

namespace OrleansMail.Tests.Tls;

/// <summary>Runs <c>openssl s_client</c> (installed by the test setup) against a proxy port and returns its output.</summary>
internal static class OpenSslClient
{
    public static async Task<string> RunAsync(int port, string input, params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "s_client", "-connect", $"127.0.0.1:{port}", "-ign_eof" }.Concat(arguments)) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Give the handshake and the server's reply (and TLS 1.3 tickets) time to arrive, then send input.
        await Task.Delay(TimeSpan.FromSeconds(1));
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("openssl s_client did not finish");
        }
        return await output + await error;
    }
}
