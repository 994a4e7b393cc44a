using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace MarketSim.Llm;

/// <summary>A cache entry that cannot be read (bad JSON, wrong format, key or content).</summary>
public sealed class LlmCacheCorruptException(string path, string reason)
    : Exception($"corrupt LLM cache entry {path}: {reason} (delete it, or run with --llm-cache readwrite to replace it)")
{
    /// <summary>The file.</summary>
    public string PathName { get; } = path;
}

/// <summary>One stored answer.</summary>
public sealed record LlmCacheEntry(string Key, string Content, string? FinishReason);

/// <summary>
/// A content-addressed store of chat answers. The key is the SHA-256 (hex) of the canonical JSON
/// of (model, messages, sampling parameters); an entry is the file <c>DIR/ab/abcdef….json</c>,
/// written to a temporary file in the same folder and renamed into place (readers never see half
/// a file; two writers of one key write the same content). Entries hold the request too, for
/// inspection. A corrupt entry is a warning and a miss in readwrite mode (the new answer replaces
/// it) and a <see cref="LlmCacheCorruptException"/> naming the file in read mode.
/// </summary>
public sealed class LlmResponseCache(string directory, LlmCacheMode mode, ILogger? logger = null)
{
    /// <summary>The format name stored in every entry.</summary>
    public const string Format = "marketsim-llm-cache/1";

    /// <summary>The cache folder.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The mode.</summary>
    public LlmCacheMode Mode { get; } = mode;

    /// <summary>SHA-256 (lower-case hex) of the canonical request JSON.</summary>
    public static string KeyOf(string canonicalJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    /// <summary>The file of one key.</summary>
    public string PathOf(string key) => Path.Combine(Directory, key[..2], key + ".json");

    /// <summary>The stored answer of <paramref name="key"/>, or null (miss, cache off, or a corrupt entry in readwrite mode).</summary>
    public LlmCacheEntry? TryRead(string key)
    {
        if (Mode == LlmCacheMode.Off)
        {
            return null;
        }

        var path = PathOf(key);
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Unusable(path, $"cannot be read ({e.Message})");
        }

        var problem = Validate(text, key, out var entry);
        if (problem is null)
        {
            return entry;
        }

        return Unusable(path, problem);
    }

    private LlmCacheEntry? Unusable(string path, string problem)
    {
        if (Mode == LlmCacheMode.Read)
        {
            throw new LlmCacheCorruptException(path, problem);
        }

        logger?.LogWarning("Corrupt LLM cache entry {Path}: {Problem}; treating it as a miss, the new answer will replace it", path, problem);
        return null;
    }

    /// <summary>
    /// Stores an answer (readwrite mode only; otherwise does nothing). Returns false, with a logged
    /// warning, when the file cannot be written (full disk, permissions): the answer still counts,
    /// only the next run will ask again.
    /// </summary>
    public bool Write(string key, string canonicalJson, LlmCacheEntry entry)
    {
        if (Mode != LlmCacheMode.ReadWrite)
        {
            return false;
        }

        try
        {
            WriteEntry(key, canonicalJson, entry);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger?.LogWarning("Cannot write LLM cache entry {Path}: {Problem}", PathOf(key), e.Message);
            return false;
        }
    }

    private void WriteEntry(string key, string canonicalJson, LlmCacheEntry entry)
    {
        var path = PathOf(key);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("key", key);
            w.WritePropertyName("request");
            using (var request = JsonDocument.Parse(canonicalJson))
            {
                request.RootElement.WriteTo(w);
            }

            w.WriteString("content", entry.Content);
            if (entry.FinishReason is null)
            {
                w.WriteNull("finish_reason");
            }
            else
            {
                w.WriteString("finish_reason", entry.FinishReason);
            }

            w.WriteEndObject();
        }

        var tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(tmp, buffer.ToArray());
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(tmp); // nothing left behind when the rename did not happen
        }
    }

    private static string? Validate(string text, string key, out LlmCacheEntry? entry)
    {
        entry = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "not a JSON object";
            }

            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
            {
                return $"format is not {Format}";
            }

            if (!root.TryGetProperty("key", out var k) || k.ValueKind != JsonValueKind.String || k.GetString() != key)
            {
                return "its key does not match its file name";
            }

            if (!root.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object)
            {
                return "no request";
            }

            if (KeyOf(request.GetRawText()) != key && KeyOf(Canonical(request)) != key)
            {
                return "its request does not hash to its key";
            }

            if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                return "no content";
            }

            string? finish = root.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            entry = new LlmCacheEntry(key, content.GetString()!, finish);
            return null;
        }
        catch (JsonException e)
        {
            return $"not valid JSON ({e.Message})";
        }
    }

    // the request as the compact JSON it was hashed from (entries are written indented)
    private static string Canonical(JsonElement request)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            request.WriteTo(w);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
