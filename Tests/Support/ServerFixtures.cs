namespace OrleansMail.Tests.Support;

/// <summary>
/// One private Dovecot for a whole test class (<c>IClassFixture&lt;DovecotFixture&gt;</c>), with
/// users alice/alice-password and bob/bob-password. Add more with <c>Server.SetUser</c>.
/// </summary>
public sealed class DovecotFixture : IAsyncLifetime
{
    private DovecotServer? _server;

    /// <summary>The running server.</summary>
    public DovecotServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async ValueTask InitializeAsync() =>
        _server = await DovecotServer.StartAsync(("alice", "alice-password"), ("bob", "bob-password"));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>One private Redis for a whole test class (<c>IClassFixture&lt;RedisFixture&gt;</c>).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    /// <summary>The running server.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => _server = await RedisServer.StartAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>One set of <see cref="OAuthBackends"/> (auth server with introspection, Dovecot with oauth2, Postfix with Dovecot SASL) for a test class.</summary>
public sealed class OAuthBackendsFixture : IAsyncLifetime
{
    private OAuthBackends? _backends;

    /// <summary>The running servers.</summary>
    public OAuthBackends Backends => _backends ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => _backends = await OAuthBackends.StartAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_backends is not null)
        {
            await _backends.DisposeAsync();
        }
    }
}
