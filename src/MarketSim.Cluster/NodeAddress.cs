using MarketSim.Actors;

namespace MarketSim.Cluster;

/// <summary>
/// The address of a node: cluster name, host and node id, written <c>akka://&lt;cluster&gt;@&lt;host&gt;:&lt;node-id&gt;</c>.
/// A remote actor path is the address followed by the path inside the node's actor system,
/// e.g. <c>akka://market@box1:3f2a9c1d0b7e/user/validator</c>.
/// </summary>
public sealed record NodeAddress(string ClusterName, string Host, string NodeId)
{
    /// <summary>Host and node id, <c>host:node-id</c>: the routing key of the node's queue binding.</summary>
    public string Node => Host + ":" + NodeId;

    /// <summary>The name used as the root of remote <see cref="ActorPath"/>s: <c>cluster@host:node-id</c>.</summary>
    public string RootName => ClusterName + "@" + Node;

    /// <summary>The root path of this node: <c>akka://cluster@host:node-id/</c>.</summary>
    public ActorPath RootPath => ActorPath.Root(RootName);

    /// <inheritdoc />
    public override string ToString() => "akka://" + RootName;

    /// <summary>Parse <c>akka://cluster@host:node-id</c> (a trailing path is not allowed here).</summary>
    public static NodeAddress Parse(string text)
    {
        var (address, rest) = ParsePath(text);
        if (rest != "/")
        {
            throw new FormatException($"[{text}] is a path, not a node address.");
        }
        return address;
    }

    /// <summary>Split <c>akka://cluster@host:node-id/user/a</c> into the node address and <c>/user/a</c>.</summary>
    public static (NodeAddress Address, string Path) ParsePath(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string scheme = "akka://";
        if (!text.StartsWith(scheme, StringComparison.Ordinal))
        {
            throw new FormatException($"[{text}] is not a remote address: expected akka://<cluster>@<host>:<node-id>[/path].");
        }
        var rest = text[scheme.Length..];
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "/" : rest[slash..];
        var at = authority.IndexOf('@');
        var colon = authority.LastIndexOf(':');
        if (at <= 0 || colon <= at + 1 || colon == authority.Length - 1)
        {
            throw new FormatException($"[{text}] is not a remote address: expected akka://<cluster>@<host>:<node-id>[/path].");
        }
        var address = new NodeAddress(authority[..at], authority[(at + 1)..colon], authority[(colon + 1)..]);
        if (!IsValidPart(address.ClusterName) || !IsValidPart(address.Host) || !IsValidPart(address.NodeId))
        {
            throw new FormatException($"[{text}] has an invalid cluster name, host or node id (letters, digits, '-', '_', '.').");
        }
        return (address, path);
    }

    internal static bool IsValidPart(string? s) =>
        !string.IsNullOrEmpty(s) && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    internal static string Sanitize(string host)
    {
        var chars = host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        return chars.Length == 0 ? "localhost" : new string(chars);
    }
}
