using BenchmarkDotNet.Attributes;
using MarketSim.Scoring.Metrics;
using MarketSim.Scoring.Rules;

namespace MarketSim.Benchmarks;

/// <summary>
/// Scoring kernels on a realistic event: 256 miners × 42 four-hour intervals (a 7-day event), ~3 % unresponsive
/// cells, 8 miners registered part-way (new cells), 4 registered too late to be eligible. Results are per
/// prediction (cell): predictions/s = 1e9 / (ns per operation).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ScoringBenchmarks
{
    public const int Miners = 256;
    public const int Intervals = 42;
    public const int Cells = Miners * Intervals;
    public const int MetricRows = 50_000;

    private const long Start = 240 * 5000;

    private double[] _means = [];
    private long[] _registered = [];
    private double[] _score = [];
    private double[] _prediction = [];
    private double[] _scratch = [];
    private double[] _q = [];
    private double[] _f = [];
    private byte[] _y = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _registered = new long[Miners];
        for (int m = 0; m < Miners; m++)
        {
            _registered[m] = m < 8 ? Start + (240L * rng.Next(1, Intervals)) + rng.Next(240)
                : m < 12 ? Start + (240L * Intervals) + 1
                : 0;
        }

        _means = new double[Cells];
        for (int k = 0; k < Intervals; k++)
        {
            for (int m = 0; m < Miners; m++)
            {
                bool silent = rng.NextDouble() < 0.03 || _registered[m] > Start + (240L * k);
                _means[(k * Miners) + m] = silent ? double.NaN : Math.Clamp(0.55 + ((rng.NextDouble() - 0.5) * 0.8), 0, 1);
            }
        }

        _score = new double[Miners];
        _prediction = new double[Miners];
        _scratch = new double[PeerScoring.ScratchLength(Miners, Intervals)];

        _q = new double[MetricRows];
        _f = new double[MetricRows];
        _y = new byte[MetricRows];
        for (int i = 0; i < MetricRows; i++)
        {
            _f[i] = rng.NextDouble();
            _q[i] = Math.Clamp(_f[i] + ((rng.NextDouble() - 0.5) * 0.2), 0, 1);
            _y[i] = (byte)(rng.NextDouble() < _f[i] ? 1 : 0);
        }
    }

    /// <summary>The peer log-score kernel (peer-1.5.5: power2, third-toward-worst), one event.</summary>
    [Benchmark(OperationsPerInvoke = Cells)]
    public EventStatus PeerKernel()
    {
        var e = new EventMatrix(_means, Miners, Intervals, _registered, Start, Start);
        return PeerScoring.ScoreEvent(e, true, Imputation.ThirdTowardWorst, IntervalWeighting.Power2, _score, _prediction, _scratch, default);
    }

    /// <summary>The legacy time-weighted Brier kernel (brier-legacy-v2), one event.</summary>
    [Benchmark(OperationsPerInvoke = Cells)]
    public double LegacyKernel()
    {
        var e = new EventMatrix(_means, Miners, Intervals, _registered, Start, Start);
        LegacyBrier.ScoreEvent(e, true, IntervalWeighting.RemaExp, _score, _prediction);
        return _score[0];
    }

    /// <summary>All metric columns over 50,000 rows (per row).</summary>
    [Benchmark(OperationsPerInvoke = MetricRows)]
    public ForecastMetrics MetricsEvaluate() => Calibration.Evaluate("bench", _q, _y, _f);
}
