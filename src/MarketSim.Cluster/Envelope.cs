using System.Text.Json;
using System.Text.Json.Serialization;

namespace MarketSim.Cluster;

/// <summary>
/// The wire format of one remote message (the AMQP body, UTF-8 JSON), format version <see cref="CurrentFormat"/>:
/// <c>{"format":1,"cluster":"market","to":"/user/a","fromNode":"host:id","from":"/user/b","manifest":"x.ping","version":1,"payload":{...}}</c>.
/// <c>cluster</c> is the sending node's cluster name; <c>fromNode</c>/<c>from</c> (the sender's <c>host:node-id</c> and path) are null when there is no sender.
/// </summary>
internal sealed record WireEnvelope(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("cluster")] string? Cluster,
    [property: JsonPropertyName("to")] string? To,
    [property: JsonPropertyName("fromNode")] string? FromNode,
    [property: JsonPropertyName("from")] string? From,
    [property: JsonPropertyName("manifest")] string? Manifest,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("payload")] JsonElement Payload)
{
    public const int CurrentFormat = 1;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(WireEnvelope))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
