using MarketSim.Hocon;

namespace MarketSim.Cluster;

/// <summary>Settings of a <see cref="ClusterNode"/>, read from <c>marketsim.cluster.*</c> (reference.conf).</summary>
public sealed record ClusterSettings
{
    /// <summary>Environment variable read when <c>marketsim.cluster.amqp-uri</c> is empty.</summary>
    public const string AmqpEnvironmentVariable = "MARKETSIM_AMQP";

    /// <summary>Cluster name (one exchange per name).</summary>
    public required string ClusterName { get; init; }

    /// <summary>AMQP URI of the broker.</summary>
    public required Uri AmqpUri { get; init; }

    /// <summary>Host part of the node address.</summary>
    public required string Hostname { get; init; }

    /// <summary>Node id part of the node address (unique per running node).</summary>
    public required string NodeId { get; init; }

    /// <summary>AMQP connection heartbeat.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Consumer prefetch (unacknowledged deliveries).</summary>
    public ushort Prefetch { get; init; } = 256;

    /// <summary>Timeout for resolving a recipient path on the receiving node.</summary>
    public TimeSpan ResolveTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Rejections logged per kind (int.MaxValue = all, 0 = none).</summary>
    public int LogRejections { get; init; } = 10;

    /// <summary>Roles of this node (<c>marketsim.cluster.roles</c>).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>App version announced by this node (<c>marketsim.cluster.app-version</c>; empty = the assembly version).</summary>
    public string AppVersion { get; init; } = DefaultAppVersion();

    /// <summary>How often the node publishes its membership heartbeat (gossip) on the cluster's fanout exchange.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A member not heard from for longer than this is unreachable (<c>failure-detector.acceptable-heartbeat-pause</c>).</summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The downing strategy: <c>keep-majority</c> (default) or <c>off</c> (only manual downing).</summary>
    public string DowningStrategy { get; init; } = "keep-majority";

    /// <summary>How long the set of unreachable members must stay unchanged before the downing strategy acts.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether <see cref="ClusterMembership.StartAsync"/> joins the cluster at once (<c>auto-join = on</c>, default) or leaves the node
    /// out until <see cref="ClusterMembership.Join"/> (pbm <c>cluster join -a ADDRESS</c>).
    /// </summary>
    public bool AutoJoin { get; init; } = true;

    /// <summary>This node's address.</summary>
    public NodeAddress Address => new(ClusterName, Hostname, NodeId);

    /// <summary>Read settings from <paramref name="config"/> (falls back to this module's reference.conf).</summary>
    /// <exception cref="InvalidOperationException">No AMQP URI in config nor in <c>MARKETSIM_AMQP</c>, or an invalid value.</exception>
    public static ClusterSettings FromConfig(Config? config = null)
    {
        var reference = ConfigFactory.FromResource(typeof(ClusterSettings).Assembly, "MarketSim.Cluster.reference.conf");
        var c = (config ?? Config.Empty).WithFallback(reference);
        const string p = "marketsim.cluster.";
        var name = c.GetString(p + "name") ?? "marketsim";
        if (!NodeAddress.IsValidPart(name))
        {
            throw new InvalidOperationException($"marketsim.cluster.name [{name}] must be non-empty and contain only letters, digits, '-', '_' or '.'.");
        }
        var uriText = c.GetString(p + "amqp-uri");
        if (string.IsNullOrWhiteSpace(uriText))
        {
            uriText = Environment.GetEnvironmentVariable(AmqpEnvironmentVariable);
        }
        if (string.IsNullOrWhiteSpace(uriText))
        {
            throw new InvalidOperationException(
                $"No AMQP broker configured: set marketsim.cluster.amqp-uri or the environment variable {AmqpEnvironmentVariable} (e.g. amqp://user:pass@host:5672/).");
        }
        if (!Uri.TryCreate(uriText, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            throw new InvalidOperationException($"marketsim.cluster.amqp-uri [{uriText}] is not an amqp:// or amqps:// URI.");
        }
        var host = c.GetString(p + "hostname");
        if (string.IsNullOrWhiteSpace(host))
        {
            host = System.Net.Dns.GetHostName();
        }
        host = NodeAddress.Sanitize(host);
        var nodeId = c.GetString(p + "node-id");
        if (string.IsNullOrWhiteSpace(nodeId))
        {
            nodeId = Guid.NewGuid().ToString("N")[..12];
        }
        if (!NodeAddress.IsValidPart(nodeId))
        {
            throw new InvalidOperationException($"marketsim.cluster.node-id [{nodeId}] must contain only letters, digits, '-', '_' or '.'.");
        }
        var prefetch = c.GetInt(p + "prefetch", 256);
        if (prefetch is < 1 or > ushort.MaxValue)
        {
            throw new InvalidOperationException($"marketsim.cluster.prefetch [{prefetch}] must be between 1 and {ushort.MaxValue}.");
        }
        return new ClusterSettings
        {
            ClusterName = name,
            AmqpUri = uri,
            Hostname = host,
            NodeId = nodeId,
            Heartbeat = c.GetTimeSpan(p + "heartbeat", TimeSpan.FromSeconds(10), allowInfinite: false),
            Prefetch = (ushort)prefetch,
            ResolveTimeout = c.GetTimeSpan(p + "resolve-timeout", TimeSpan.FromSeconds(3), allowInfinite: false),
            LogRejections = ReadLogRejections(c.GetString(p + "log-rejections") ?? "10"),
            Roles = ReadRoles(c.GetStringList(p + "roles", [])),
            AppVersion = c.GetString(p + "app-version") is { Length: > 0 } v ? v : DefaultAppVersion(),
            HeartbeatInterval = Positive(c.GetTimeSpan(p + "heartbeat-interval", TimeSpan.FromSeconds(1), allowInfinite: false), "heartbeat-interval"),
            AcceptableHeartbeatPause = Positive(c.GetTimeSpan(p + "failure-detector.acceptable-heartbeat-pause", TimeSpan.FromSeconds(5), allowInfinite: false), "failure-detector.acceptable-heartbeat-pause"),
            DowningStrategy = ReadDowning(c.GetString(p + "downing.strategy") ?? "keep-majority"),
            StableAfter = c.GetTimeSpan(p + "downing.stable-after", TimeSpan.FromSeconds(10), allowInfinite: false),
            AutoJoin = ReadOnOff(c.GetString(p + "auto-join") ?? "on", "auto-join"),
        };
    }

    private static string DefaultAppVersion()
    {
        var v = typeof(ClusterSettings).Assembly.GetName().Version ?? new Version(1, 0, 0);
        return $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}";
    }

    private static TimeSpan Positive(TimeSpan t, string key) => t > TimeSpan.Zero
        ? t
        : throw new InvalidOperationException($"marketsim.cluster.{key} [{t}] must be positive.");

    private static string ReadDowning(string text) => text.Trim().ToLowerInvariant() switch
    {
        "keep-majority" => "keep-majority",
        "off" or "false" or "no" or "" => "off",
        _ => throw new InvalidOperationException($"marketsim.cluster.downing.strategy [{text}] must be keep-majority or off."),
    };

    private static bool ReadOnOff(string text, string key) => text.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new InvalidOperationException($"marketsim.cluster.{key} [{text}] must be on or off."),
    };

    private static string[] ReadRoles(IReadOnlyList<string> roles)
    {
        foreach (var r in roles)
        {
            if (!NodeAddress.IsValidPart(r))
            {
                throw new InvalidOperationException($"marketsim.cluster.roles: role [{r}] must contain only letters, digits, '-', '_' or '.'.");
            }
        }
        return roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    private static int ReadLogRejections(string text) => text.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" => int.MaxValue,
        "off" or "false" or "no" => 0,
        var n when int.TryParse(n, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 => v,
        _ => throw new InvalidOperationException($"marketsim.cluster.log-rejections [{text}] must be a number, on or off."),
    };
}
