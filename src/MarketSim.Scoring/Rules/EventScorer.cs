namespace MarketSim.Scoring.Rules;

/// <summary>
/// Per-event entry point for a validator running one <see cref="RuleSettings"/>: dispatches to the peer or legacy
/// kernel and re-uses one scratch buffer across events (not thread-safe; one instance per validator actor).
/// </summary>
internal sealed class EventScorer
{
    private double[] _scratch = [];

    /// <summary>A scorer for a peer or legacy (grid-based) preset; throws <see cref="ArgumentException"/> for any other.</summary>
    public EventScorer(RuleSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.IsPeer && !settings.IsLegacy)
        {
            throw new ArgumentException($"preset '{settings.Preset}' is not grid-based; use SequentialScoring", nameof(settings));
        }

        Settings = settings;
    }

    /// <summary>The rule it scores with.</summary>
    public RuleSettings Settings { get; }

    /// <summary>
    /// Scores one event. Peer presets: see <see cref="PeerScoring.ScoreEvent(in EventMatrix, bool, Imputation, IntervalWeighting, Span{double}, Span{double}, Span{double}, Span{double})"/>.
    /// Legacy presets: <see cref="LegacyBrier.ScoreEvent(in EventMatrix, bool, IntervalWeighting, Span{double}, Span{double})"/> (always <see cref="EventStatus.Scored"/>; n ≤ 0 gives zeros),
    /// and, when <paramref name="normalised"/> is not empty, the preset's per-event normalisation (v1 exp-L1, v2 softmax).
    /// </summary>
    public EventStatus Score(in EventMatrix e, bool outcome, Span<double> eventScore, Span<double> prediction, Span<double> normalised = default)
    {
        if (Settings.IsPeer)
        {
            int need = PeerScoring.ScratchLength(e.Miners, e.Intervals);
            if (_scratch.Length < need)
            {
                _scratch = new double[Math.Max(need, _scratch.Length * 2)];
            }

            return PeerScoring.ScoreEvent(e, outcome, Settings.Imputation, Settings.IntervalWeights, eventScore, prediction, _scratch, default);
        }

        LegacyBrier.ScoreEvent(e, outcome, Settings.IntervalWeights, eventScore, prediction);
        if (!normalised.IsEmpty)
        {
            if (Settings.Family == ScoreFamily.LegacyBrierV1)
            {
                LegacyBrier.NormaliseExpL1(eventScore, Settings.K, Settings.Offset, normalised);
            }
            else
            {
                LegacyBrier.NormaliseSoftmax(eventScore, Settings.K, normalised);
            }
        }

        return EventStatus.Scored;
    }

    /// <summary>The moving-average/extremise state for a peer preset (N and kind from the settings).</summary>
    public MetagraphAggregator CreateAggregator() => new(Settings.MovingAverage, Settings.WindowEvents);

    /// <summary>The daily-mix state for a legacy preset.</summary>
    public DailyMix CreateDailyMix(int miners, DateTimeOffset start) =>
        new(Settings.Family == ScoreFamily.LegacyBrierV1 ? DailyMixForm.V1 : DailyMixForm.V2, miners, start);
}
