using MarketSim.Simulation.Parity;

namespace MarketSim.Simulation.Tests.Parity;

public sealed class ParityWorldSpec
{
    [Theory]
    [InlineData(16, 8, 0.0)]
    [InlineData(16, 8, -0.1)]
    [InlineData(16, 8, 1.5)]
    [InlineData(16, 8, double.NaN)]
    [InlineData(16, 0, 0.8)]
    [InlineData(16, 17, 0.8)]
    [InlineData(0, 1, 0.8)]
    public void Bad_parameters_are_rejected_with_a_clear_error(int d, int k, double alpha)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new ParityWorld(d, k, alpha));
        Assert.Matches("alpha|k must|d must", e.Message);
    }

    [Fact]
    public void An_explicit_S_must_have_k_distinct_coordinates_inside_d()
    {
        Assert.Throws<ArgumentException>(() => new ParityWorld(8, 3, 0.8, 0, [0, 1]));
        Assert.Throws<ArgumentException>(() => new ParityWorld(8, 3, 0.8, 0, [0, 1, 1]));
        Assert.Throws<ArgumentException>(() => new ParityWorld(8, 3, 0.8, 0, [0, 1, 8]));
        var world = new ParityWorld(8, 3, 0.8, 0, [5, 1, 2]);
        Assert.Equal([1, 2, 5], world.S);
    }

    [Fact]
    public void The_drawn_S_is_a_sorted_k_subset_fixed_by_the_seed()
    {
        var a = new ParityWorld(16, 8, 0.8, 3);
        Assert.Equal(8, a.S.Count);
        Assert.Equal(a.S.Order().Distinct(), a.S);
        Assert.Equal(a.S, new ParityWorld(16, 8, 0.8, 3).S);
        var differs = Enumerable.Range(4, 10).Any(s => !new ParityWorld(16, 8, 0.8, s).S.SequenceEqual(a.S));
        Assert.True(differs);
    }

    [Fact]
    public void A_row_is_the_same_alone_as_in_a_batch()
    {
        var world = new ParityWorld(14, 7, 0.8, 9);
        var batch = world.Generate(0, 500);
        foreach (var i in new[] { 0, 1, 17, 250, 499 })
        {
            var alone = world.Generate(i, 1);
            Assert.Equal(batch.Row(i).ToArray(), alone.Row(0).ToArray());
            Assert.Equal(batch.Y[i], alone.Y[0]);
            Assert.Equal(batch.F[i], alone.F[0]);
            Assert.Equal(batch.Bits![i], alone.Bits![0]);
            var z = new sbyte[14];
            world.RowInputs(i, z);
            Assert.Equal(z, alone.Row(0).ToArray());
        }

        var shard = world.Generate(200, 100);
        Assert.Equal(batch.Y.AsSpan(200, 100).ToArray(), shard.Y);
        Assert.Equal(batch.Z.AsSpan(200 * 14, 100 * 14).ToArray(), shard.Z);
    }

    [Fact]
    public void Rows_carry_consistent_bits_parity_truth_and_outcomes()
    {
        var world = new ParityWorld(12, 4, 0.6, 1);
        var rows = world.Generate(0, 20_000);
        var ySum = 0;
        var plus = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            var z = rows.Row(r);
            for (var j = 0; j < 12; j++)
            {
                Assert.Equal(z[j] > 0, ((rows.Bits![r] >> j) & 1) == 1);
            }

            Assert.Equal(world.Chi(z), rows.Chi[r]);
            Assert.Equal(world.Truth(z), rows.F[r]);
            Assert.Contains(rows.F[r], new[] { 0.2, 0.8 });
            ySum += rows.Y[r];
            plus += rows.Chi[r] > 0 ? 1 : 0;
        }

        Assert.InRange(ySum / 20_000.0, 0.49, 0.51);
        Assert.InRange(plus / 20_000.0, 0.49, 0.51);
    }

    [Fact]
    public void Different_seeds_give_different_rows()
    {
        var a = new ParityWorld(16, 8, 0.8, 0).Generate(0, 100);
        var b = new ParityWorld(16, 8, 0.8, 1).Generate(0, 100);
        Assert.NotEqual(a.Z, b.Z);
        Assert.NotEqual(a.Y, b.Y);
    }

    [Fact]
    public void Worlds_wider_than_64_bits_generate_rows_too()
    {
        var world = new ParityWorld(100, 3, 0.8, 2, [1, 70, 99]);
        var rows = world.Generate(0, 2_000);
        Assert.Null(rows.Bits);
        var z = new sbyte[100];
        world.RowInputs(5, z);
        Assert.Equal(z, rows.Row(5).ToArray());
        var highPlus = Enumerable.Range(0, rows.Count).Count(r => rows.Row(r)[99] > 0);
        Assert.InRange(highPlus, 900, 1100);
        Assert.Equal(world.Chi(rows.Row(7)), rows.Chi[7]);
    }

    [Fact]
    public void Exact_enumeration_visits_every_point_once()
    {
        var world = new ParityWorld(6, 3, 0.8, 0);
        var rows = world.Enumerate();
        Assert.Equal(64, rows.Count);
        Assert.Equal(64, rows.Bits!.Distinct().Count());
        Assert.Equal(0, rows.Chi.Sum(c => (int)c));
        Assert.Throws<ArgumentException>(() => new ParityWorld(19, 3, 0.8).Enumerate());
    }

    [Fact]
    public void Text_encodings_follow_the_spec()
    {
        sbyte[] z = [1, -1, 1];
        Assert.Equal("Bit 0 is +1. Bit 1 is -1. Bit 2 is +1.", ParityText.Encode(z));
        Assert.Equal("Bits: 1 0 1", ParityText.Encode(z, ParityEncoding.Plain));
        Assert.Equal(ParityEncoding.Plain, ParityText.ParseEncoding("plain"));
        Assert.Throws<ArgumentException>(() => ParityText.ParseEncoding("morse"));
    }
}
