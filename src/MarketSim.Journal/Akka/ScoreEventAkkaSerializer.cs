using Akka.Actor;
using Akka.Serialization;
using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Akka;

/// <summary>
/// Akka's binding of every <see cref="ScoreEvent"/> to MarketSim's binary payload format (serializer id 7301,
/// docs/journal.md): the manifest is the event type's name, the bytes are <see cref="ScoreEventSerializer"/>'s —
/// versioned and ending in a CRC-32C, so a flipped byte is caught when the row is read back.
/// </summary>
public sealed class ScoreEventAkkaSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <inheritdoc/>
    public override int Identifier => ScoreEventSerializer.SerializerId;

    /// <inheritdoc/>
    public override string Manifest(object o) => o is ScoreEvent e
        ? ScoreEventSerializer.ManifestOf(e)
        : throw new ArgumentException($"{o?.GetType().Name ?? "null"} is not a score event: the journal plugin stores only score events", nameof(o));

    /// <inheritdoc/>
    public override byte[] ToBinary(object obj) => obj is ScoreEvent e
        ? ScoreEventSerializer.Serialize(e)
        : throw new ArgumentException($"{obj?.GetType().Name ?? "null"} is not a score event", nameof(obj));

    /// <inheritdoc/>
    public override object FromBinary(byte[] bytes, string manifest) => ScoreEventSerializer.Deserialize(manifest, bytes);
}
