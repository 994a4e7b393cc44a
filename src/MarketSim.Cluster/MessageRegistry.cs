using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MarketSim.Cluster;

/// <summary>
/// The message types a node can send and receive, each under a stable manifest string and a version.
/// Payloads are serialised with System.Text.Json using the given source-generated <see cref="JsonTypeInfo{T}"/>
/// (no reflection). A node sends <see cref="Entry.Version"/> and accepts versions from
/// <see cref="Entry.MinVersion"/> to <see cref="Entry.Version"/>; evolve a message additively (new optional
/// properties) and raise the version, and raise <c>minVersion</c> when old payloads no longer make sense.
/// </summary>
public sealed class MessageRegistry
{
    private readonly ConcurrentDictionary<Type, Entry> _byType = new();
    private readonly ConcurrentDictionary<string, Entry> _byManifest = new(StringComparer.Ordinal);

    /// <summary>A registered message type.</summary>
    public sealed record Entry(string Manifest, int Version, int MinVersion, Type Type, JsonTypeInfo TypeInfo);

    /// <summary>Register <typeparamref name="T"/> under <paramref name="manifest"/>.</summary>
    /// <exception cref="ArgumentException">Manifest or type already registered, or a bad version range.</exception>
    public MessageRegistry Register<T>(string manifest, JsonTypeInfo<T> typeInfo, int version = 1, int? minVersion = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifest);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var min = minVersion ?? version;
        if (version < 1 || min < 1 || min > version)
        {
            throw new ArgumentException($"Manifest [{manifest}]: need 1 <= minVersion ({min}) <= version ({version}).", nameof(version));
        }
        var entry = new Entry(manifest, version, min, typeof(T), typeInfo);
        if (!_byManifest.TryAdd(manifest, entry))
        {
            throw new ArgumentException($"Manifest [{manifest}] is already registered (for {_byManifest[manifest].Type.FullName}).", nameof(manifest));
        }
        if (!_byType.TryAdd(typeof(T), entry))
        {
            _byManifest.TryRemove(manifest, out _);
            throw new ArgumentException($"Type {typeof(T).FullName} is already registered (as [{_byType[typeof(T)].Manifest}]).", nameof(typeInfo));
        }
        return this;
    }

    /// <summary>The entry for a message type, if registered.</summary>
    public Entry? ForType(Type type) => _byType.TryGetValue(type, out var e) ? e : null;

    /// <summary>The entry for a manifest, if registered.</summary>
    public Entry? ForManifest(string manifest) => _byManifest.TryGetValue(manifest, out var e) ? e : null;

    internal static JsonElement Serialize(Entry entry, object message) => JsonSerializer.SerializeToElement(message, entry.TypeInfo);

    internal static object? Deserialize(Entry entry, JsonElement payload) => payload.Deserialize(entry.TypeInfo);
}
