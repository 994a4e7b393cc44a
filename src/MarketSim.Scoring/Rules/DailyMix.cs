namespace MarketSim.Scoring.Rules;

/// <summary>Which historical form of <c>daily-mix</c> (scoring.md §6.4).</summary>
public enum DailyMixForm
{
    /// <summary>brier-legacy-v1: first-day eff ← 0.8·n + 0.2·eff; reset once &gt; 24 h passed and the UTC hour is &gt; 10; a changed hotkey is zeroed.</summary>
    V1,

    /// <summary>brier-legacy-v2: first-day eff ← 0.8·avg + 0.2·eff; reset at each UTC midnight; new hotkeys get the 20th percentile.</summary>
    V2,
}

/// <summary>
/// Legacy aggregation across events (scoring.md §6.4). Miners are dense slots 0…Miners−1 (the caller maps the
/// current (uid, hotkey) set onto slots). Per event: avg ← (avg·iters + n)/(iters + 1), iters ← iters + 1; then
/// eff ← 0.8·avg + 0.2·prev when any prev is non-zero, else the first-day form.
/// </summary>
public sealed class DailyMix
{
    /// <summary>Percentile (of the other slots) a new V2 hotkey's avg and prev start at.</summary>
    public const double Percentile = 20;

    private double[] _avg;
    private double[] _prev;
    private double[] _eff;

    /// <summary>Zeroed state for <paramref name="miners"/> slots; <paramref name="start"/> is the last reset time.</summary>
    public DailyMix(DailyMixForm form, int miners, DateTimeOffset start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(miners);
        Form = form;
        _avg = new double[miners];
        _prev = new double[miners];
        _eff = new double[miners];
        LastReset = start;
    }

    /// <summary>Which historical form of the rule runs.</summary>
    public DailyMixForm Form { get; }

    /// <summary>Number of miner slots.</summary>
    public int Miners => _avg.Length;

    /// <summary>Events folded into <see cref="Average"/> since the last reset (iters).</summary>
    public int Iterations { get; private set; }

    /// <summary>When the state last reset.</summary>
    public DateTimeOffset LastReset { get; private set; }

    /// <summary>avg per slot: mean of the normalised scores since the last reset.</summary>
    public ReadOnlySpan<double> Average => _avg;

    /// <summary>prev per slot: <see cref="Average"/> as it was at the last reset.</summary>
    public ReadOnlySpan<double> Previous => _prev;

    /// <summary>eff per slot: the effective score that feeds the weights.</summary>
    public ReadOnlySpan<double> Effective => _eff;

    /// <summary>Applies the reset rule at time <paramref name="now"/>; true when it reset (prev ← avg, avg ← 0, iters ← 0).</summary>
    public bool AdvanceTo(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        bool reset = Form == DailyMixForm.V2
            ? utc.Date > LastReset.ToUniversalTime().Date
            : utc - LastReset > TimeSpan.FromHours(24) && utc.Hour > 10;
        if (reset)
        {
            _avg.CopyTo(_prev, 0);
            Array.Clear(_avg);
            Iterations = 0;
            LastReset = now;
        }

        return reset;
    }

    /// <summary>Folds one scored event's normalised scores n_i (one per slot) into the state.</summary>
    public void AddEvent(ReadOnlySpan<double> normalised)
    {
        if (normalised.Length != Miners)
        {
            throw new ArgumentException($"need {Miners} normalised scores", nameof(normalised));
        }

        int it = Iterations;
        for (int i = 0; i < Miners; i++)
        {
            _avg[i] = ((_avg[i] * it) + normalised[i]) / (it + 1);
        }

        Iterations = it + 1;
        bool anyPrev = false;
        foreach (double v in _prev)
        {
            anyPrev |= v != 0;
        }

        for (int i = 0; i < Miners; i++)
        {
            _eff[i] = anyPrev
                ? (0.8 * _avg[i]) + (0.2 * _prev[i])
                : Form == DailyMixForm.V2
                    ? (0.8 * _avg[i]) + (0.2 * _eff[i])
                    : (0.8 * normalised[i]) + (0.2 * _eff[i]);
        }
    }

    /// <summary>
    /// A new hotkey took slot <paramref name="slot"/>. V2: eff = 0, avg and prev = the 20th percentile (linear
    /// interpolation) of the other slots' avg and prev. V1: the slot is zeroed.
    /// </summary>
    public void ReplaceMiner(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Miners, nameof(slot));
        _eff[slot] = 0;
        if (Form == DailyMixForm.V1)
        {
            _avg[slot] = 0;
            _prev[slot] = 0;
            return;
        }

        _avg[slot] = PercentileExcept(_avg, slot, Percentile);
        _prev[slot] = PercentileExcept(_prev, slot, Percentile);
    }

    /// <summary>Adds a slot for a new hotkey (same fill rule as <see cref="ReplaceMiner"/>); returns its index.</summary>
    public int AddMiner()
    {
        int slot = Miners;
        Array.Resize(ref _avg, slot + 1);
        Array.Resize(ref _prev, slot + 1);
        Array.Resize(ref _eff, slot + 1);
        ReplaceMiner(slot);
        return slot;
    }

    /// <summary>Weights = eff / Σ eff; false (weights untouched) when Σ eff ≤ 0.</summary>
    public bool TryWeights(Span<double> weights)
    {
        if (weights.Length != Miners)
        {
            throw new ArgumentException($"need {Miners} weights", nameof(weights));
        }

        double sum = 0;
        foreach (double v in _eff)
        {
            sum += v;
        }

        if (!(sum > 0))
        {
            return false;
        }

        for (int i = 0; i < Miners; i++)
        {
            weights[i] = _eff[i] / sum;
        }

        return true;
    }

    /// <summary>numpy-style percentile (linear interpolation between order statistics); 0 for no values.</summary>
    public static double PercentileLinear(ReadOnlySpan<double> values, double percent)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        double pos = percent / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }

    private static double PercentileExcept(double[] values, int skip, double percent)
    {
        var others = new double[values.Length - 1];
        int j = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (i != skip)
            {
                others[j++] = values[i];
            }
        }

        return PercentileLinear(others, percent);
    }
}
