using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OrleansMail.Grains.Admin;

/// <summary>How a request proved it knows <c>Admin:Token</c>.</summary>
internal enum AdminCaller
{
    /// <summary>No credentials, or wrong ones.</summary>
    Unknown,
    /// <summary><c>Authorization: Bearer &lt;token&gt;</c>: scripts; may change state.</summary>
    Bearer,
    /// <summary>HTTP Basic with the token as password: a browser; may only read (GET/HEAD).</summary>
    Basic,
}

/// <summary>
/// Who may use the admin API and the dashboard: whoever shows <c>Admin:Token</c>, either as
/// <c>Authorization: Bearer &lt;token&gt;</c> (scripts) or as HTTP Basic with any user name and the token as password
/// (RFC 7617), which a browser asks for by itself, so an operator can open the dashboard. Compared in fixed time.
/// </summary>
internal sealed class AdminCredentials(string token)
{
    /// <summary>Sent with a 401 so a browser prompts for the token (RFC 7617 §2).</summary>
    public const string Challenge = "Basic realm=\"OrleansMail admin\", charset=\"UTF-8\"";

    private readonly byte[] _token = Encoding.UTF8.GetBytes(token.Trim());

    public AdminCaller Identify(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Matches(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim())) ? AdminCaller.Bearer : AdminCaller.Unknown;
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return AdminCaller.Unknown;

        byte[] decoded;
        try { decoded = Convert.FromBase64String(header["Basic ".Length..].Trim()); }
        catch (FormatException) { return AdminCaller.Unknown; }
        var colon = Array.IndexOf(decoded, (byte)':');
        return colon >= 0 && Matches(decoded[(colon + 1)..]) ? AdminCaller.Basic : AdminCaller.Unknown;
    }

    private bool Matches(byte[] given) => CryptographicOperations.FixedTimeEquals(given, _token);
}
