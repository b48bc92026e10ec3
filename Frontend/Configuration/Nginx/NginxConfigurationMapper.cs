using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Logging;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// Checks each parsed directive against <see cref="NginxDirectives"/> as <c>ngx_conf_handler()</c> does (known name,
/// allowed context, <c>;</c> or block, argument count, on/off, duplicates), then writes its value under the key the
/// JSON configuration uses. Inheritance from mail{} to server{} is left to <see cref="MailSettingsReader"/>, which
/// reads both sources alike.
/// </summary>
public sealed class NginxConfigurationMapper
{
    private readonly NginxMappedConfiguration _result = new();
    private readonly NginxPaths _paths;
    private int _servers;

    private NginxConfigurationMapper(NginxPaths paths) => _paths = paths;

    /// <param name="directives">The parsed file, includes already in place, in reading order.</param>
    /// <param name="paths">nginx's prefixes: relative file names are made absolute as nginx makes them.</param>
    public static NginxMappedConfiguration Map(IReadOnlyList<NginxDirectiveNode> directives, NginxPaths paths)
    {
        var mapper = new NginxConfigurationMapper(paths);
        mapper.MapMain(directives);
        return mapper._result;
    }

    private void MapMain(IReadOnlyList<NginxDirectiveNode> directives)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in directives)
        {
            var directive = Check(node, NginxContexts.Main, seen);
            switch (directive.Status)
            {
                case NginxDirectiveStatus.Block:
                    _result.Locations["Mail"] = node.Location;
                    MapMail(node.Block!);
                    break;
                case NginxDirectiveStatus.Mapped:
                    // Files (cluster_tls_certificate …) from the -c file's folder, as in mail{}.
                    _result.Set(directive.ConfigurationKey, string.Join(' ', _paths.ResolveArguments(node.Name, node.Arguments)), node.Location);
                    break;
                case NginxDirectiveStatus.Process when node.Name == "pid":
                    _result.PidFile = _paths.RuntimeFile(node.Arguments[0]);
                    break;
                case NginxDirectiveStatus.Process:
                    _result.ErrorLogs.Add(ErrorLog(node));
                    break;
                case NginxDirectiveStatus.NotForMail when node.Name == "events":
                    MapEvents(node.Block!);
                    break;
                case NginxDirectiveStatus.NotForMail:
                    if (!_result.NotForMail.Contains(node.Name)) _result.NotForMail.Add(node.Name);
                    break;
            }
        }
    }

    /// <summary><c>events { }</c>: <c>worker_connections</c> becomes <c>WorkerConnections</c>; the others are nginx's event loop, reported.</summary>
    private void MapEvents(IReadOnlyList<NginxDirectiveNode> directives)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in directives)
        {
            var directive = Check(node, NginxContexts.Events, seen);
            if (directive.Status == NginxDirectiveStatus.Mapped) _result.Set(directive.ConfigurationKey, node.Arguments[0], node.Location);
            else if (!_result.NotForMail.Contains(node.Name)) _result.NotForMail.Add(node.Name);
        }
    }

    private void MapMail(IReadOnlyList<NginxDirectiveNode> directives)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var mailSsl = false;
        var servers = new List<(NginxDirectiveNode Node, bool? Ssl)>();
        var mailErrorLogs = new List<NginxErrorLog>();
        foreach (var node in directives)
        {
            var directive = Check(node, NginxContexts.Mail, seen);
            if (node.Name == "upstream") MapUpstream(node);
            else if (node.Name == "error_log") mailErrorLogs.Add(ErrorLog(node));
            else if (directive.Status == NginxDirectiveStatus.Block) servers.Add((node, null));
            else if (node.Name == "ssl") mailSsl = LegacySsl(node);
            else MapValue(directive, node, "Mail");
        }

        // nginx merges mail{} into server{} after reading the whole block, so "ssl on" after the servers still counts.
        foreach (var (node, _) in servers) MapServer(node, mailSsl, mailErrorLogs);
    }

    private void MapServer(NginxDirectiveNode server, bool inheritedSsl, List<NginxErrorLog> mailErrorLogs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var listens = new List<NginxDirectiveNode?>();
        var ssl = inheritedSsl;
        var values = new NginxMappedConfiguration();
        var errorLogs = new List<NginxErrorLog>();
        foreach (var node in server.Block!)
        {
            var directive = Check(node, NginxContexts.Server, seen);
            if (node.Name == "listen") listens.Add(node);
            else if (node.Name == "error_log") errorLogs.Add(ErrorLog(node));
            else if (node.Name == "ssl") ssl = LegacySsl(node);
            else MapValue(directive, node, "", values);
        }

        if (listens.Count == 0)
        {
            // Let the settings reader refuse it ("every server needs Listen"), reported at this server{}.
            listens.Add(null);
        }

        // OrleansMail has one listener per server entry; a server{} with several listen directives becomes several
        // entries with the same settings, which is what nginx does with them.
        foreach (var listen in listens)
        {
            // A server's own error_log list replaces the one it inherits from mail{}, which replaces the top level's.
            if (errorLogs.Count > 0 || mailErrorLogs.Count > 0) _result.ServerErrorLogs[_servers] = errorLogs.Count > 0 ? errorLogs : mailErrorLogs;
            var section = $"Mail:Servers:{_servers++}";
            _result.Locations[section] = server.Location;
            foreach (var (key, value) in values.Values) _result.Set($"{section}:{key}", value, values.Locations[key]);
            if (listen is null) continue;
            var words = listen.Arguments.ToList();
            if (ssl && !words.Contains("ssl")) words.Add("ssl");
            _result.Set($"{section}:Listen", string.Join(' ', words), listen.Location);
        }
    }

    /// <summary><c>upstream ADDRESS { proxy_ssl …; }</c> → <c>Mail:Upstreams:N:Address</c> and that entry's keys.</summary>
    private void MapUpstream(NginxDirectiveNode upstream)
    {
        var section = $"Mail:Upstreams:{_upstreams++}";
        _result.Locations[section] = upstream.Location;
        _result.Set($"{section}:Address", upstream.Arguments[0], upstream.Location);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in upstream.Block!)
            MapValue(Check(node, NginxContexts.Upstream, seen), node, section);
    }

    private int _upstreams;

    private bool LegacySsl(NginxDirectiveNode node)
    {
        _result.Warnings.Add($"the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead in {node.Location}");
        return node.Arguments[0] == "on";
    }

    private void MapValue(NginxDirective directive, NginxDirectiveNode node, string section, NginxMappedConfiguration? target = null)
    {
        target ??= _result;
        var key = section.Length == 0 ? directive.ConfigurationKey : $"{section}:{directive.ConfigurationKey}";
        switch (directive.Status)
        {
            case NginxDirectiveStatus.Warned:
                _result.Warnings.Add($"{directive.Note} in {node.Location}");
                return;
            case NginxDirectiveStatus.Refused:
                throw new NginxConfigurationException($"\"{node.Name}\" directive is not supported: {directive.Note}", node.Location);
        }

        var arguments = _paths.ResolveArguments(node.Name, node.Arguments);
        if (node.Name == "resolver") arguments = ResolverAddresses(node, arguments);
        if (node.Name == "auth_http_header")
        {
            target.Set($"{key}:{node.Arguments[0]}", node.Arguments[1], node.Location);
            return;
        }
        // A list's error names the list (Mail:SmtpAuth): it is reported at the directive that began it.
        if (directive.Items || directive.Repeatable) target.Locations.TryAdd(key, node.Location);
        if (directive.Items)
        {
            var next = target.Values.Keys.Count(k => k.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase));
            foreach (var argument in arguments) target.Set($"{key}:{next++}", argument, node.Location);
            return;
        }
        if (directive.Repeatable)
        {
            var index = target.Values.Keys.Count(k => k.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase));
            target.Set($"{key}:{index}", string.Join(' ', arguments), node.Location);
            return;
        }
        target.Set(key, string.Join(' ', arguments), node.Location);
    }

    /// <summary>
    /// nginx's resolver options (<c>valid=</c>, <c>ipv4=</c>, <c>ipv6=</c>, <c>status_zone=</c>; src/core/ngx_resolver.c)
    /// tune its own DNS cache, which OrleansMail does not have: accepted with a warning, the addresses kept.
    /// </summary>
    private IReadOnlyList<string> ResolverAddresses(NginxDirectiveNode node, IReadOnlyList<string> arguments)
    {
        string[] options = ["valid=", "ipv4=", "ipv6=", "status_zone="];
        var ignored = arguments.Where(a => options.Any(o => a.StartsWith(o, StringComparison.Ordinal))).ToList();
        if (ignored.Count == 0) return arguments;
        _result.Warnings.Add($"resolver {string.Join(' ', ignored)}: not applied; each client's name is looked up afresh (no resolver cache) in {node.Location}");
        return arguments.Except(ignored).ToList();
    }

    /// <summary>ngx_conf_handler()'s checks, in its order and with its messages.</summary>
    private static NginxDirective Check(NginxDirectiveNode node, NginxContexts context, HashSet<string> seen)
    {
        var directive = NginxDirectives.Find(node.Name)
            ?? throw new NginxConfigurationException($"unknown directive \"{node.Name}\"", node.Location);
        if (!directive.Contexts.HasFlag(context))
            throw new NginxConfigurationException($"\"{node.Name}\" directive is not allowed here", node.Location);
        if (!directive.IsBlock && node.IsBlock)
            throw new NginxConfigurationException($"directive \"{node.Name}\" is not terminated by \";\"", node.Location);
        if (directive.IsBlock && !node.IsBlock)
            throw new NginxConfigurationException($"directive \"{node.Name}\" has no opening \"{{\"", node.Location);
        if (node.Arguments.Count < directive.MinArguments || node.Arguments.Count > directive.MaxArguments)
            throw new NginxConfigurationException($"invalid number of arguments in \"{node.Name}\" directive", node.Location);
        if (directive.Flag && node.Arguments[0] is not ("on" or "off"))
            throw new NginxConfigurationException($"invalid value \"{node.Arguments[0]}\" in \"{node.Name}\" directive, it must be \"on\" or \"off\"", node.Location);
        var once = !directive.Repeatable && !directive.Items && directive.Status is not NginxDirectiveStatus.NotForMail && node.Name is not ("server" or "upstream");
        if (once && !seen.Add(node.Name))
            throw new NginxConfigurationException($"\"{node.Name}\" directive is duplicate", node.Location);
        return directive;
    }

    /// <summary>
    /// <c>error_log FILE|stderr|syslog:… [level]</c> as ngx_log_set_log (src/core/ngx_log.c): level <c>error</c> unless
    /// given, a relative FILE taken from the prefix, syslog parameters checked as nginx checks them.
    /// </summary>
    private NginxErrorLog ErrorLog(NginxDirectiveNode node)
    {
        var level = node.Arguments.Count < 2 ? LogLevel.Error : node.Arguments[1] switch
        {
            "debug" => LogLevel.Debug,
            "info" or "notice" => LogLevel.Information,
            "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "crit" or "alert" or "emerg" => LogLevel.Critical,
            var other => throw new NginxConfigurationException($"invalid log level \"{other}\"", node.Location),
        };
        var destination = node.Arguments[0];
        if (destination == "stderr") return new NginxErrorLog("stderr", level);
        if (destination.StartsWith(SyslogTarget.Prefix, StringComparison.Ordinal))
            return new NginxErrorLog(destination, level, SyslogTarget.Parse(destination, message => new NginxConfigurationException(message, node.Location)));
        if (destination.StartsWith("memory:", StringComparison.Ordinal))
            throw new NginxConfigurationException("nginx was built without debug support", node.Location);
        return new NginxErrorLog(_paths.RuntimeFile(destination), level);
    }
}
