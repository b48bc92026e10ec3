using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace OrleansMail.Frontend.Hosting;

/// <summary>A socket error as nginx prints an errno in its messages: <c>98: Address already in use</c>.</summary>
internal static class SocketErrors
{
    public static string Describe(SocketException e)
    {
        // On Linux and macOS, .NET keeps the platform's errno in NativeErrorCode; its text is strerror()'s.
        var errno = e.NativeErrorCode;
        return OperatingSystem.IsWindows() ? $"{errno}: {e.Message}" : $"{errno}: {Marshal.GetPInvokeErrorMessage(errno)}";
    }
}
