using MarketSim.Hocon;

namespace MarketSim.Pbm;

/// <summary>The <c>petabridge.cmd</c> section (defaults in this module's reference.conf).</summary>
public sealed record PbmSettings(string Host, int Port, int LogBufferSize, int MaxFrameSize)
{
    internal const string ReferenceResource = "MarketSim.Pbm.reference.conf";

    /// <summary>Defaults, equal to reference.conf.</summary>
    public static PbmSettings Default { get; } = new("127.0.0.1", 9110, 1000, 1 << 20);

    /// <summary>This module's reference.conf.</summary>
    public static Config Reference() => ConfigFactory.FromResource(typeof(PbmSettings).Assembly, ReferenceResource);

    /// <summary>Reads <c>petabridge.cmd { host, port, log-buffer-size, max-frame-size }</c>; missing keys fall back to reference.conf.</summary>
    public static PbmSettings FromConfig(Config? config)
    {
        var c = (config ?? Config.Empty).WithFallback(Reference());
        var s = new PbmSettings(
            c.GetString("petabridge.cmd.host", Default.Host) ?? Default.Host,
            c.GetInt("petabridge.cmd.port", Default.Port),
            c.GetInt("petabridge.cmd.log-buffer-size", Default.LogBufferSize),
            c.GetInt("petabridge.cmd.max-frame-size", Default.MaxFrameSize));
        if (s.Port is < 0 or > 65535)
        {
            throw new ConfigException($"petabridge.cmd.port: expected 0..65535 but was {s.Port}");
        }

        if (s.LogBufferSize < 1 || s.MaxFrameSize < 64)
        {
            throw new ConfigException("petabridge.cmd: expected log-buffer-size >= 1 and max-frame-size >= 64");
        }

        return s;
    }
}
