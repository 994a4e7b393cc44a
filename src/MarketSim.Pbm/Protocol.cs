using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MarketSim.Pbm;

/// <summary>
/// The pbm wire protocol (version 1; docs/pbm.md). Every frame is a 4-byte big-endian payload length
/// followed by that many bytes of UTF-8 JSON, an object with a <c>type</c>:
/// client → host <c>hello</c>, <c>command</c>, <c>cancel</c>; host → client <c>palettes</c>,
/// <c>output</c>, <c>end</c>, <c>error</c>.
/// </summary>
public static class PbmProtocol
{
    /// <summary>Protocol version sent in <c>hello</c> and <c>palettes</c>.</summary>
    public const int Version = 1;

    /// <summary>Writes one frame.</summary>
    public static async Task WriteFrameAsync(Stream stream, JsonObject message, CancellationToken ct = default)
    {
        var payload = Encoding.UTF8.GetBytes(message.ToJsonString());
        var buffer = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(buffer, payload.Length);
        payload.CopyTo(buffer, 4);
        await stream.WriteAsync(buffer, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one frame; null at a clean end of stream (before a length). Throws
    /// <see cref="PbmProtocolException"/> for a bad length, a truncated frame or a payload that is not a JSON object with a type.
    /// </summary>
    public static async Task<JsonObject?> ReadFrameAsync(Stream stream, int maxFrameSize, CancellationToken ct = default)
    {
        var header = new byte[4];
        var n = await ReadFullyAsync(stream, header, ct).ConfigureAwait(false);
        if (n == 0)
        {
            return null;
        }

        if (n < 4)
        {
            throw new PbmProtocolException("truncated frame header");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length <= 0 || length > maxFrameSize)
        {
            throw new PbmProtocolException($"frame length {length} outside 1..{maxFrameSize}");
        }

        var payload = new byte[length];
        if (await ReadFullyAsync(stream, payload, ct).ConfigureAwait(false) < length)
        {
            throw new PbmProtocolException("truncated frame payload");
        }

        try
        {
            if (JsonNode.Parse(payload) is JsonObject o && o["type"] is JsonValue t && t.TryGetValue<string>(out _))
            {
                return o;
            }
        }
        catch (JsonException ex)
        {
            throw new PbmProtocolException("payload is not JSON: " + ex.Message);
        }
        catch (DecoderFallbackException ex)
        {
            throw new PbmProtocolException("payload is not UTF-8: " + ex.Message);
        }

        throw new PbmProtocolException("payload is not a JSON object with a string \"type\"");
    }

    private static async Task<int> ReadFullyAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read;
    }

    internal static string TypeOf(JsonObject frame) => frame["type"]!.GetValue<string>();

    internal static long IdOf(JsonObject frame) =>
        frame["id"] is JsonValue v && v.TryGetValue<long>(out var id) ? id : throw new PbmProtocolException("expected a numeric \"id\"");

    internal static string? StringOf(JsonObject frame, string key) =>
        frame[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    internal static JsonObject PalettesToJson(IEnumerable<PaletteInfo> palettes)
    {
        var arr = new JsonArray();
        foreach (var p in palettes)
        {
            var cmds = new JsonArray();
            foreach (var c in p.Commands)
            {
                var args = new JsonArray();
                foreach (var a in c.Arguments)
                {
                    args.Add(new JsonObject
                    {
                        ["name"] = a.Name,
                        ["description"] = a.Description,
                        ["mandatory"] = a.Mandatory,
                        ["switches"] = new JsonArray(a.Switches.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                        ["defaults"] = new JsonArray((a.DefaultValues ?? []).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                        ["positional"] = a.Positional,
                        ["flag"] = a.IsFlag,
                    });
                }

                cmds.Add(new JsonObject { ["name"] = c.Name, ["description"] = c.Description, ["arguments"] = args });
            }

            arr.Add(new JsonObject { ["name"] = p.Name, ["description"] = p.Description, ["commands"] = cmds });
        }

        return new JsonObject { ["type"] = "palettes", ["version"] = Version, ["palettes"] = arr };
    }

    internal static IReadOnlyList<PaletteInfo> PalettesFromJson(JsonObject frame)
    {
        try
        {
            return frame["palettes"]!.AsArray().Select(p => new PaletteInfo(
                p!["name"]!.GetValue<string>(),
                p["description"]!.GetValue<string>(),
                p["commands"]!.AsArray().Select(c => new CommandDefinition(
                    c!["name"]!.GetValue<string>(),
                    c["description"]!.GetValue<string>(),
                    c["arguments"]!.AsArray().Select(a => new CommandArgument(
                        a!["name"]!.GetValue<string>(),
                        a["description"]!.GetValue<string>(),
                        a["mandatory"]!.GetValue<bool>(),
                        a["switches"]!.AsArray().Select(s => s!.GetValue<string>()).ToList(),
                        a["defaults"]!.AsArray().Select(s => s!.GetValue<string>()).ToList(),
                        a["positional"]!.GetValue<bool>(),
                        a["flag"]!.GetValue<bool>())).ToList())).ToList())).ToList();
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new PbmProtocolException("malformed palettes frame: " + ex.Message);
        }
    }
}

/// <summary>A frame that does not follow <see cref="PbmProtocol"/>.</summary>
public sealed class PbmProtocolException(string message) : Exception(message);
