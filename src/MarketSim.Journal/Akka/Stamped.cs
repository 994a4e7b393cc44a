using MarketSim.Simulation.Journal;

namespace MarketSim.Journal.Akka;

/// <summary>
/// What a run's persistent actors hand to <c>Persist</c>: the event, its virtual time and its tag.
/// <see cref="VirtualTimeJournal"/> unwraps it before anything is written: the row's payload is the bare event (tagged),
/// and its <c>created</c> column is <see cref="Ticks"/> instead of the wall clock, so the stored streams are the same on
/// every run of a scenario and seed.
/// </summary>
/// <param name="Event">The score event.</param>
/// <param name="Ticks">Virtual time, UTC <see cref="DateTime.Ticks"/> (never 0: the plugin would use the wall clock).</param>
/// <param name="Tag">The event's tag (<see cref="JournalIds.TagOf"/>).</param>
public sealed record Stamped(ScoreEvent Event, long Ticks, string Tag)
{
    /// <summary>An event stamped with <paramref name="ticks"/> and its default tag.</summary>
    public static Stamped Of(ScoreEvent evt, long ticks) => new(evt, ticks, JournalIds.TagOf(evt));
}
