using System.Text.Json;

namespace OrleansMail.Tests.Support;

/// <summary>One tab of a <see cref="HeadlessChromium"/>, addressed by its flat DevTools session.</summary>
public sealed class ChromiumPage(DevToolsSession devTools, string sessionId)
{
    public Task<JsonElement> SendAsync(string method, object? parameters, CancellationToken cancellationToken) =>
        devTools.SendAsync(method, parameters, sessionId, cancellationToken);

    /// <summary>Starts loading <paramref name="url"/>; a network-level failure (refused, DNS) throws with Chromium's reason.</summary>
    public async Task NavigateAsync(string url, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Page.navigate", new { url }, cancellationToken).ConfigureAwait(false);
        if (result.TryGetProperty("errorText", out var error))
            throw new InvalidOperationException($"chromium could not load {url}: {error.GetString()}");
    }

    /// <summary>Evaluates a JavaScript expression that yields a string, in the page as it is now.</summary>
    public async Task<string?> EvaluateStringAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true }, cancellationToken).ConfigureAwait(false);
        if (result.TryGetProperty("exceptionDetails", out var exception))
            throw new InvalidOperationException($"{expression} threw in the page: {exception.GetRawText()}");
        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
    }

    /// <summary>The visible part of the page as a PNG.</summary>
    public async Task<byte[]> ScreenshotAsync(CancellationToken cancellationToken)
    {
        var result = await SendAsync("Page.captureScreenshot", new { format = "png" }, cancellationToken).ConfigureAwait(false);
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }
}
