using MarketSim.Simulation.Randomness;

namespace MarketSim.Simulation.Tests.Randomness;

public sealed class CounterRngSpec
{
    [Fact]
    public void The_same_key_always_gives_the_same_bits()
    {
        for (ulong i = 0; i < 1000; i++)
        {
            Assert.Equal(CounterRng.Hash(7, 2, i, 3, 4), CounterRng.Hash(7, 2, i, 3, 4));
            Assert.Equal(CounterRng.Uniform01(7, 2, i), CounterRng.Uniform01(7, 2, i));
        }
    }

    [Fact]
    public void Changing_any_key_word_changes_the_sequence()
    {
        static ulong[] Seq(ulong seed, ulong stream, ulong b, ulong c) =>
            Enumerable.Range(0, 64).Select(i => CounterRng.Hash(seed, stream, (ulong)i, b, c)).ToArray();

        var baseline = Seq(1, 1, 0, 0);
        ulong[][] others = [Seq(2, 1, 0, 0), Seq(1, 2, 0, 0), Seq(1, 1, 1, 0), Seq(1, 1, 0, 1)];
        foreach (var other in others)
        {
            // No shared outputs at all, not just a different first element.
            Assert.Empty(baseline.Intersect(other));
        }

        // Swapping key words is not a symmetry of the hash.
        Assert.NotEqual(CounterRng.Hash(1, 2, 3), CounterRng.Hash(2, 1, 3));
        Assert.NotEqual(CounterRng.Hash(0, 0, 1, 0), CounterRng.Hash(0, 0, 0, 1));
    }

    [Fact]
    public void Uniform_draws_have_mean_one_half_and_pass_a_chi_square_test()
    {
        const int n = 200_000;
        const int bins = 20;
        var counts = new int[bins];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            var u = CounterRng.Uniform01(42, 9, (ulong)i);
            Assert.InRange(u, 0.0, 1.0 - 1e-17);
            sum += u;
            counts[(int)(u * bins)]++;
        }

        Assert.InRange(sum / n, 0.5 - 0.003, 0.5 + 0.003);
        var expected = (double)n / bins;
        var chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);

        // 19 degrees of freedom: the 99.9th percentile is 43.8.
        Assert.True(chi2 < 43.8, $"chi-square {chi2}");
    }

    [Fact]
    public void Bernoulli_and_bit_frequencies_match_their_probabilities()
    {
        const int n = 100_000;
        var ones = 0;
        var bits = 0;
        for (var i = 0; i < n; i++)
        {
            ones += CounterRng.Bernoulli(0.3, 5, 1, (ulong)i) ? 1 : 0;
            bits += CounterRng.Bit(5, 2, (ulong)i) ? 1 : 0;
        }

        // 5 standard errors: sqrt(0.21/n) = 0.00145, sqrt(0.25/n) = 0.00158.
        Assert.InRange(ones / (double)n, 0.3 - 0.0073, 0.3 + 0.0073);
        Assert.InRange(bits / (double)n, 0.5 - 0.008, 0.5 + 0.008);
        Assert.False(CounterRng.Bernoulli(0.0, 1, 1, 1));
        Assert.True(CounterRng.Bernoulli(1.0, 1, 1, 1));
    }

    [Fact]
    public void Subsets_are_sorted_distinct_deterministic_and_uniform_per_element()
    {
        const int n = 16;
        const int k = 5;
        const int draws = 20_000;
        var hits = new int[n];
        for (var s = 0; s < draws; s++)
        {
            var subset = CounterRng.SampleSubset(n, k, 3, 4, (ulong)s);
            Assert.Equal(k, subset.Length);
            Assert.Equal(subset.Order().Distinct(), subset);
            Assert.All(subset, x => Assert.InRange(x, 0, n - 1));
            Assert.Equal(subset, CounterRng.SampleSubset(n, k, 3, 4, (ulong)s));
            foreach (var x in subset)
            {
                hits[x]++;
            }
        }

        // Each element appears with probability k/n = 0.3125; sd of the count ≈ 65.5.
        var expected = draws * (double)k / n;
        Assert.All(hits, h => Assert.InRange(h, expected - 350, expected + 350));
        Assert.Equal(Enumerable.Range(0, n), CounterRng.SampleSubset(n, n, 1, 1, 1));
        Assert.Empty(CounterRng.SampleSubset(n, 0, 1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => CounterRng.SampleSubset(4, 5, 1, 1, 1));
    }

    [Fact]
    public void The_sequential_generator_is_reproducible_and_stays_in_range()
    {
        var a = CounterRng.Sequence(11, 4, 2);
        var b = CounterRng.Sequence(11, 4, 2);
        var counts = new int[7];
        for (var i = 0; i < 70_000; i++)
        {
            var x = a.NextInt(7);
            Assert.Equal(x, b.NextInt(7));
            counts[x]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        var d = a.NextDouble();
        Assert.InRange(d, 0.0, 1.0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SplitMix64(1).NextInt(0));
    }

    [Fact]
    public void Uniform_draws_lie_in_the_unit_interval_for_any_key()
    {
        var rng = new SplitMix64(2024);
        for (var i = 0; i < 5000; i++)
        {
            var u = CounterRng.Uniform01(rng.NextUInt64(), rng.NextUInt64(), rng.NextUInt64(), rng.NextUInt64(), rng.NextUInt64());
            Assert.True(u is >= 0 and < 1);
        }
    }
}
