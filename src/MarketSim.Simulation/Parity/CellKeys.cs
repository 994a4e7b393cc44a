using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MarketSim.Simulation.Parity;

/// <summary>
/// Cell keys over packed rows (bit j of a row set iff z_j = +1). The key of a row for a mask
/// gathers the masked bits in ascending coordinate order: Σ_t bit(J[t])·2^t, which is the
/// parity.md §4 cell key. Uses BMI2 PEXT where the CPU has it, a portable loop otherwise.
/// </summary>
internal static class CellKeys
{
    public static bool HardwareGather => Bmi2.X64.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Gather(ulong value, ulong mask) =>
        Bmi2.X64.IsSupported ? Bmi2.X64.ParallelBitExtract(value, mask) : GatherPortable(value, mask);

    public static ulong GatherPortable(ulong value, ulong mask)
    {
        ulong result = 0;
        var bit = 0;
        while (mask != 0)
        {
            var pos = BitOperations.TrailingZeroCount(mask);
            result |= ((value >> pos) & 1UL) << bit;
            bit++;
            mask &= mask - 1;
        }

        return result;
    }

    public static int[] Coordinates(ulong mask)
    {
        var result = new int[BitOperations.PopCount(mask)];
        var t = 0;
        while (mask != 0)
        {
            result[t++] = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
        }

        return result;
    }
}
