namespace MarketSim.Scoring.Rules;

/// <summary>Moving average across events (scoring.md §8).</summary>
public enum MovingAverageKind
{
    /// <summary><c>fixed-window</c>: L = (S_E + Σ_W S)/(N + 1).</summary>
    FixedWindow,

    /// <summary><c>class-balanced</c>: outcome-weighted mean with Laplace q_Y over the window.</summary>
    ClassBalanced,
}

/// <summary>
/// Peer presets' aggregation (scoring.md §8): moving average over the last N events in the validator's scoring
/// order, <c>extremise</c> (R = max(L, 0)², metagraph score R / max(ΣR, 1e−7) over the miners with a row for E),
/// and weights from each current miner's most recent metagraph score. Miners are non-negative integer ids (the
/// caller maps (uid, hotkey) pairs to ids; a re-registered uid gets a new id). Per-miner window sums are kept
/// incrementally, so an event costs O(rows of E + rows of the event leaving the window).
/// </summary>
public sealed class MetagraphAggregator
{
    /// <summary>Floor of the extremise denominator.</summary>
    public const double MinRSum = 1e-7;

    /// <summary>Only metagraph scores this recent count for weights.</summary>
    public static readonly TimeSpan WeightLookback = TimeSpan.FromDays(10);

    private readonly Queue<(bool Outcome, int[] Miners, double[] Scores)> _window = new();
    private double[] _sumYes = [];
    private double[] _sumNo = [];
    private double[] _latest = [];
    private DateTimeOffset[] _latestAt = [];
    private bool[] _hasLatest = [];
    private int _windowYes;

    /// <summary>An empty window of <paramref name="previousEvents"/> previous events averaged with <paramref name="kind"/>.</summary>
    public MetagraphAggregator(MovingAverageKind kind, int previousEvents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(previousEvents);
        Kind = kind;
        PreviousEvents = previousEvents;
    }

    /// <summary>The moving average it applies.</summary>
    public MovingAverageKind Kind { get; }

    /// <summary>N = number of previous events in the window.</summary>
    public int PreviousEvents { get; }

    /// <summary>Events currently in the window (≤ N).</summary>
    public int WindowCount => _window.Count;

    /// <summary>Names: <c>fixed-window</c>, <c>class-balanced</c>.</summary>
    public static MovingAverageKind ParseKind(string name) => name switch
    {
        "fixed-window" => MovingAverageKind.FixedWindow,
        "class-balanced" => MovingAverageKind.ClassBalanced,
        _ => throw new ArgumentException($"unknown moving average '{name}' (expected fixed-window or class-balanced)", nameof(name)),
    };

    /// <summary>The configuration name of a moving average (inverse of <see cref="ParseKind"/>).</summary>
    public static string Name(MovingAverageKind kind) => kind switch
    {
        MovingAverageKind.FixedWindow => "fixed-window",
        MovingAverageKind.ClassBalanced => "class-balanced",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown moving average"),
    };

    /// <summary>
    /// Aggregates the next event in scoring order. <paramref name="miners"/>/<paramref name="scores"/> are E's rows
    /// (distinct ids, finite scores); writes L and the metagraph score for each row, records the metagraph score as
    /// the miner's latest (at <paramref name="scoredAt"/>), then moves E into the window.
    /// </summary>
    public void ProcessEvent(bool outcome, ReadOnlySpan<int> miners, ReadOnlySpan<double> scores, DateTimeOffset scoredAt, Span<double> movingAverage, Span<double> metagraphScore)
    {
        int rows = miners.Length;
        if (scores.Length != rows || movingAverage.Length != rows || metagraphScore.Length != rows)
        {
            throw new ArgumentException($"scores, movingAverage and metagraphScore need {rows} entries (one per row)");
        }

        int maxId = -1;
        foreach (int id in miners)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(id, nameof(miners));
            maxId = Math.Max(maxId, id);
        }

        foreach (double s in scores)
        {
            if (!double.IsFinite(s))
            {
                throw new ArgumentException("event scores must be finite", nameof(scores));
            }
        }

        Grow(maxId + 1);
        int w = _window.Count;
        double wE, w1, w0, denom;
        if (Kind == MovingAverageKind.FixedWindow)
        {
            w1 = w0 = wE = 1;
            denom = PreviousEvents + 1;
        }
        else
        {
            double qY = (_windowYes + 1.0) / (w + 2.0);
            w1 = 1 / qY;
            w0 = 1 / (1 - qY);
            wE = outcome ? w1 : w0;
            denom = (_windowYes * w1) + ((w - _windowYes) * w0) + wE;
        }

        double rSum = 0;
        for (int i = 0; i < rows; i++)
        {
            int id = miners[i];
            double l = ((wE * scores[i]) + (w1 * _sumYes[id]) + (w0 * _sumNo[id])) / denom;
            movingAverage[i] = l;
            double r = l > 0 ? l * l : 0;
            metagraphScore[i] = r;
            rSum += r;
        }

        double inv = 1 / Math.Max(rSum, MinRSum);
        for (int i = 0; i < rows; i++)
        {
            int id = miners[i];
            metagraphScore[i] *= inv;
            _latest[id] = metagraphScore[i];
            _latestAt[id] = scoredAt;
            _hasLatest[id] = true;
        }

        var stored = (outcome, miners.ToArray(), scores.ToArray());
        Add(stored, +1);
        _window.Enqueue(stored);
        while (_window.Count > PreviousEvents)
        {
            Add(_window.Dequeue(), -1);
        }
    }

    /// <summary>The miner's most recent metagraph score if it is from the last 10 days before <paramref name="now"/>, else 0.</summary>
    public double LatestMetagraphScore(int miner, DateTimeOffset now) =>
        miner >= 0 && miner < _hasLatest.Length && _hasLatest[miner] && now - _latestAt[miner] <= WeightLookback ? _latest[miner] : 0;

    /// <summary>
    /// Weights for the current miners: each one's latest metagraph score (see <see cref="LatestMetagraphScore"/>),
    /// divided by their sum. Throws <see cref="InvalidOperationException"/> when all are 0 (no weights are set).
    /// </summary>
    public void Weights(ReadOnlySpan<int> currentMiners, DateTimeOffset now, Span<double> weights)
    {
        if (weights.Length != currentMiners.Length)
        {
            throw new ArgumentException("one weight per current miner", nameof(weights));
        }

        for (int i = 0; i < currentMiners.Length; i++)
        {
            weights[i] = LatestMetagraphScore(currentMiners[i], now);
        }

        NormaliseWeights(weights);
    }

    /// <summary>L1-normalises in place; throws <see cref="InvalidOperationException"/> when the sum is not positive.</summary>
    public static void NormaliseWeights(Span<double> weights)
    {
        double sum = 0;
        foreach (double v in weights)
        {
            if (v < 0 || !double.IsFinite(v))
            {
                throw new ArgumentException("weights must be finite and non-negative", nameof(weights));
            }

            sum += v;
        }

        if (!(sum > 0))
        {
            throw new InvalidOperationException("all metagraph scores are 0: no weights can be set");
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }
    }

    /// <summary>Lookback of the community prediction.</summary>
    public static readonly TimeSpan CommunityLookback = TimeSpan.FromDays(2);

    /// <summary>
    /// Optional validator output (§8): the mean of the current-interval predictions of the top <paramref name="top"/>
    /// miners by latest metagraph score (from the last 2 days), weighted by those scores. Miners with a NaN
    /// prediction or a zero score are skipped; NaN when nobody qualifies.
    /// </summary>
    public double CommunityPrediction(ReadOnlySpan<int> miners, ReadOnlySpan<double> predictions, DateTimeOffset now, int top = 10)
    {
        if (predictions.Length != miners.Length)
        {
            throw new ArgumentException("one prediction per miner", nameof(predictions));
        }

        var ranked = new List<(double Score, int Index)>();
        for (int i = 0; i < miners.Length; i++)
        {
            int id = miners[i];
            if (id >= 0 && id < _hasLatest.Length && _hasLatest[id] && now - _latestAt[id] <= CommunityLookback
                && _latest[id] > 0 && !double.IsNaN(predictions[i]))
            {
                ranked.Add((_latest[id], i));
            }
        }

        ranked.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index));
        double num = 0, den = 0;
        for (int r = 0; r < Math.Min(top, ranked.Count); r++)
        {
            num += ranked[r].Score * predictions[ranked[r].Index];
            den += ranked[r].Score;
        }

        return den > 0 ? num / den : double.NaN;
    }

    /// <summary>Weight-setting version key 1000·major + 10·minor + patch (1.5.5 → 1055).</summary>
    public static int VersionKey(int major, int minor, int patch) => (1000 * major) + (10 * minor) + patch;

    private void Add((bool Outcome, int[] Miners, double[] Scores) e, int sign)
    {
        var target = e.Outcome ? _sumYes : _sumNo;
        for (int i = 0; i < e.Miners.Length; i++)
        {
            target[e.Miners[i]] += sign * e.Scores[i];
        }

        if (e.Outcome)
        {
            _windowYes += sign;
        }
    }

    private void Grow(int size)
    {
        if (size <= _sumYes.Length)
        {
            return;
        }

        int n = Math.Max(size, _sumYes.Length * 2);
        Array.Resize(ref _sumYes, n);
        Array.Resize(ref _sumNo, n);
        Array.Resize(ref _latest, n);
        Array.Resize(ref _latestAt, n);
        Array.Resize(ref _hasLatest, n);
    }
}
