using System.Buffers;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Sasl;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// How long a client line may be: <see cref="Length"/> (the protocol's client buffer), or <see cref="BearerLength"/>
/// for a POP3/SMTP <c>AUTH</c> line naming one of <see cref="BearerMechanisms"/> (sasl_oauth_buffer; see
/// <see cref="BearerTokenCommand"/>).
/// </summary>
internal readonly record struct LineLimit(int Length, int BearerLength = 0, SaslMechanisms BearerMechanisms = SaslMechanisms.None)
{
    public static implicit operator LineLimit(int length) => new(length);

    /// <summary>Whether <paramref name="line"/>, longer than <see cref="Length"/>, may still be taken (or go on arriving).</summary>
    public bool AllowsLonger(in ReadOnlySequence<byte> line, bool complete) =>
        line.Length <= BearerLength && BearerTokenCommand.Starts(line, BearerMechanisms, imap: false, complete);
}
