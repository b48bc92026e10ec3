namespace OrleansMail.Frontend.Sasl;

/// <summary>How a SASL exchange talks to the client: the session sends challenges in its protocol's form.</summary>
internal interface ISaslChannel
{
    /// <summary>
    /// Sends a challenge (base64, empty for PLAIN) as the protocol's continuation and reads the client's one-line
    /// answer; null when the client left or the line was too long (the session has then answered and must close).
    /// A <paramref name="bearerToken"/> answer may be as long as sasl_oauth_buffer, any other as the client buffer.
    /// </summary>
    ValueTask<string?> ChallengeAsync(string base64Challenge, bool bearerToken = false);

    /// <summary>The CRAM-MD5 challenge for this exchange, <c>&lt;random.time@server_name&gt;</c>.</summary>
    string ChallengeSalt();
}
