using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Grains.Hosting;

// The Frontend process: mail listeners (TLS, protocol parsing up to login, relay) and an Orleans client.
// With no Cluster:Mode configured it hosts a silo in-process, so this one process is a complete proxy.
// Configuration: --config FILE (JSON) or nginx's -c FILE, with nginx's -t, -T, -p, -g and -s (NginxCommandLine).
// Start-up as nginx's: the configuration is read, the certificates loaded and every address bound before the cluster
// starts; the pid file is written once everything accepts (NginxProcessLifetime); an error is one
// "orleansmail: [emerg] MESSAGE in FILE:LINE" line on stderr and status 1; a stop signal at any moment ends the
// process cleanly with status 0 (StopSignals).
using var signals = new StopSignals();
NginxCommandLine command;
try
{
    command = NginxCommandLine.Parse(args);
    if (command.Signal is { } signal)
    {
        if (command.ConfigFile is null)
        {
            Console.Error.WriteLine($"orleansmail: [error] -s {signal} needs -c FILE: the pid file is named by its \"pid\" directive");
            return 1;
        }
        return NginxProcessSignals.Send(NginxConfiguration.Load(command), signal, Console.Error);
    }
}
catch (Exception e) when (e is InvalidConfigurationException or NginxConfigurationException)
{
    Console.Error.WriteLine($"orleansmail: [emerg] {e.Message}");
    return 1;
}

var described = command.ConfigFile ?? "(JSON configuration)";
int Failed(string message)
{
    Console.Error.WriteLine(command.ConfigFile is null && !message.StartsWith("orleansmail:", StringComparison.Ordinal) ? message : $"orleansmail: [emerg] {message}");
    OrleansMail.Frontend.Logging.StartupErrorLog.Append(command, "emerg", message);
    if (command.Test) Console.Error.WriteLine($"orleansmail: configuration file {described} test failed");
    return 1;
}

Microsoft.AspNetCore.Builder.WebApplication app;
try
{
    app = MailProxyApplication.Build(args, services: services =>
    {
        services.AddSingleton<IHostLifetime>(signals);
        // A failed start is reported below as one [emerg] line; the host's own "Hosting failed to start" would repeat
        // it with a stack trace. Its Critical events (a background service stopping the host) still show.
        services.Configure<LoggerFilterOptions>(options => options.Rules.Add(
            new LoggerFilterRule(null, "Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical, null)));
    });
}
catch (Exception e) when (e is InvalidConfigurationException or NginxConfigurationException)
{
    return Failed(e.Message);
}

await using (app)
{
    var nginx = app.Services.GetService<NginxConfiguration>();
    try
    {
        // nginx -t loads the certificates but binds nothing (a running instance holds the addresses).
        var listeners = app.Services.GetRequiredService<MailListeners>();
        if (command.Test) listeners.Check();
        else
        {
            listeners.Prepare();
            ClusterPortCheck.Check(app.Services.GetRequiredService<ClusterSettings>());
        }
    }
    catch (ListenerStartException e)
    {
        return Failed(nginx is null ? $"orleansmail: [emerg] {e.Message} ({e.Section}:{e.Key})" : $"{e.Message} in {nginx.Locate(e.Section, e.Key, e.Value)}");
    }

    if (command.Test)
    {
        // nginx -t / -T: the verdict on stderr; -T also dumps every file read, includes in reading order, on stdout.
        Console.Error.WriteLine($"orleansmail: the configuration file {described} syntax is ok");
        Console.Error.WriteLine($"orleansmail: configuration file {described} test is successful");
        if (command.Dump && nginx is not null)
        {
            foreach (var file in nginx.Parsed.Files)
            {
                Console.Out.WriteLine($"# configuration file {file.Path}:");
                Console.Out.WriteLine(file.Text);
            }
        }
        return 0;
    }

    if (signals.Requested) return 0;
    try
    {
        await app.StartAsync();
    }
    catch (Exception e)
    {
        try { await app.StopAsync(); }
        catch (Exception e2) when (e2 is OperationCanceledException or AggregateException or InvalidOperationException) { }
        return Failed(e.Message);
    }
    // A stop signal that came during the start takes effect now.
    using (signals.StopWith(app.Lifetime.StopApplication)) await app.WaitForShutdownAsync();
}
return 0;

