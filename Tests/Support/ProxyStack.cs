using System.Collections.Concurrent;

namespace OrleansMail.Tests.Support;

/// <summary>
/// The shape most end-to-end fixtures share, built in order: backends (Dovecot, Postfix, scripted servers), then the
/// <see cref="TestAuthServer"/> that sends logins to them, then the Frontend process (<see cref="ProxyUnderTest"/>)
/// pointed at that auth server; disposed in the reverse order, including whatever started before a failure.
/// The auth server answers each login through <see cref="AnswerFor"/> when a test set an answer for that login, else
/// through the fixture's default answer, so a test says what the auth server answers for it without changing what
/// the other tests of the class see (and a test that fails half-way leaves nothing behind).
/// <code>
/// Dovecot = await Stack.StartAsync(DovecotServer.StartAsync(("alice", "alice-password")));
/// await Stack.StartAuthAsync(TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort));
/// await Stack.StartProxyAsync([("Timeout", "10s")], new Dictionary&lt;string, (string, string)[]&gt; { ["imap"] = [] });
/// // in a test:
/// using var _ = fixture.Stack.AnswerFor("alice", _ => AuthReply.Fail("Account disabled"));
/// </code>
/// </summary>
public sealed class ProxyStack : IAsyncDisposable
{
    private readonly Stack<IAsyncDisposable> _started = new();
    private readonly ConcurrentDictionary<string, Func<RecordedAuthRequest, AuthReply>> _answers = new(StringComparer.Ordinal);
    private Func<RecordedAuthRequest, AuthReply> _defaultAnswer = _ => AuthReply.Fail("Invalid login or password");

    /// <summary>
    /// The login of requests with an empty Auth-User (smtp_auth none, an empty SASL EXTERNAL identity): a test answers
    /// those through <see cref="AnswerFor"/> with this login.
    /// </summary>
    public const string EmptyLogin = "";

    public TestAuthServer Auth { get; private set; } = null!;

    public ProxyUnderTest Proxy { get; private set; } = null!;

    /// <summary>What the auth server answers a login no test set an answer for.</summary>
    public Func<RecordedAuthRequest, AuthReply> DefaultAnswer => _defaultAnswer;

    /// <summary>Starts a backend (or anything disposable) and disposes it with the stack.</summary>
    public async Task<T> StartAsync<T>(Task<T> starting) where T : IAsyncDisposable => Adopt(await starting);

    /// <summary>
    /// Disposes <paramref name="started"/> with the stack: something that starts without awaiting (a
    /// <see cref="RawTcpResponder"/>, a scripted server, a Frontend process started from an nginx.conf).
    /// </summary>
    public T Adopt<T>(T started) where T : IAsyncDisposable
    {
        _started.Push(started);
        return started;
    }

    /// <summary>Disposes <paramref name="owned"/> (a certificate folder) with the stack, after everything started later.</summary>
    public T Own<T>(T owned) where T : IDisposable
    {
        _started.Push(new Disposing(owned));
        return owned;
    }

    /// <summary>Starts the auth server with <paramref name="defaultAnswer"/> for every login without its own answer.</summary>
    public async Task<TestAuthServer> StartAuthAsync(Func<RecordedAuthRequest, AuthReply> defaultAnswer) =>
        AnswerThrough(await StartAsync(TestAuthServer.StartAsync(Answer)), defaultAnswer);

    /// <summary>
    /// Makes <paramref name="auth"/>, started before the stack (with <see cref="OAuthBackends"/>: Dovecot needs its
    /// introspection URL before it starts), the stack's auth server: it answers through <see cref="AnswerFor"/>, else with
    /// <paramref name="defaultAnswer"/>. Whoever started it disposes it.
    /// </summary>
    public TestAuthServer AnswerThrough(TestAuthServer auth, Func<RecordedAuthRequest, AuthReply> defaultAnswer)
    {
        _defaultAnswer = defaultAnswer;
        auth.Handler = Answer;
        return Auth = auth;
    }

    /// <summary>
    /// Starts the Frontend process with <c>AuthHttp</c> set to the auth server and the given settings; with no auth
    /// server started, the listeners name their own <c>AuthHttp</c> (broken auth servers, say).
    /// </summary>
    public async Task<ProxyUnderTest> StartProxyAsync(IEnumerable<(string Key, string Value)> shared,
        IReadOnlyDictionary<string, (string Key, string Value)[]> listeners, IEnumerable<(string Key, string Value)>? other = null) =>
        Proxy = await StartAsync(ProxyUnderTest.StartAsync(Auth is null ? shared : [("AuthHttp", Auth.Url), .. shared], listeners, other));

    /// <summary>
    /// Until the returned handle is disposed, the auth server answers <paramref name="login"/> (its decoded
    /// Auth-User) with <paramref name="answer"/>; other logins keep theirs.
    /// </summary>
    public IDisposable AnswerFor(string login, Func<RecordedAuthRequest, AuthReply> answer)
    {
        if (!_answers.TryAdd(login, answer)) throw new InvalidOperationException($"an answer for {login} is already set");
        return new Removing(() => _answers.TryRemove(login, out _));
    }

    private AuthReply Answer(RecordedAuthRequest request) =>
        request.Decoded("Auth-User") is { } login && _answers.TryGetValue(login, out var answer) ? answer(request) : _defaultAnswer(request);

    public async ValueTask DisposeAsync()
    {
        while (_started.TryPop(out var started)) await started.DisposeAsync();
    }

    private sealed class Disposing(IDisposable owned) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            owned.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Removing(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
