using System.Buffers.Binary;

namespace MarketSim.Simulation.Journal;

/// <summary>
/// Encodes a column of doubles for journal payloads (format version 3, docs/journal.md). Simulated forecasters and
/// the scores derived from them take few distinct values per batch, so a column with at most
/// <see cref="MaxDictionary"/> distinct values (compared bit for bit: NaN payloads and −0 survive) is stored as a
/// dictionary plus bit-packed indices whenever that is smaller; any other column is stored raw.
/// <code>
/// raw:        byte 0, int32 count, count × float64
/// dictionary: byte 1, int32 count, uint16 size, size × float64 (first-appearance order), byte width,
///             ⌈count · width / 8⌉ bytes of indices, width bits each, least significant bit first
/// </code>
/// All integers little-endian. The encoding is a pure function of the values, so payloads stay deterministic.
/// </summary>
public static class DoubleColumnCodec
{
    /// <summary>Largest dictionary.</summary>
    public const int MaxDictionary = 256;

    private const byte Raw = 0;
    private const byte Dictionary = 1;
    private const int Slots = 1024; // power of two, > 2 × MaxDictionary

    /// <summary>An upper bound of the encoded size of <paramref name="count"/> values.</summary>
    public static int MaxEncodedLength(int count) => 1 + 4 + (count * 8);

    /// <summary>Encodes <paramref name="values"/> into <paramref name="destination"/> (at least <see cref="MaxEncodedLength"/> bytes); returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<double> values, Span<byte> destination)
    {
        var n = values.Length;
        BinaryPrimitives.WriteInt32LittleEndian(destination[1..], n);
        if (n >= 8 && TryDictionary(values, destination, out var written))
        {
            destination[0] = Dictionary;
            return written;
        }

        destination[0] = Raw;
        var body = destination.Slice(5, n * 8);
        for (var i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(body[(i * 8)..], BitConverter.DoubleToInt64Bits(values[i]));
        }

        return 5 + (n * 8);
    }

    /// <summary>Decodes one column starting at <paramref name="position"/>, which it advances; throws <see cref="JournalFormatException"/> on malformed input.</summary>
    public static double[] Decode(ReadOnlySpan<byte> data, ref int position)
    {
        var start = position;
        if (data.Length - position < 5)
        {
            throw new JournalFormatException($"truncated double column at offset {start}");
        }

        var mode = data[position];
        var n = BinaryPrimitives.ReadInt32LittleEndian(data[(position + 1)..]);
        position += 5;
        if (n < 0)
        {
            throw new JournalFormatException($"double column at offset {start} has a negative count {n}");
        }

        if (mode == Raw)
        {
            if ((long)n * 8 > data.Length - position)
            {
                throw new JournalFormatException($"double column at offset {start}: {n} values do not fit in the {data.Length - position} bytes left");
            }

            var raw = new double[n];
            for (var i = 0; i < n; i++)
            {
                raw[i] = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(data[(position + (i * 8))..]));
            }

            position += n * 8;
            return raw;
        }

        if (mode != Dictionary)
        {
            throw new JournalFormatException($"double column at offset {start}: unknown encoding {mode}");
        }

        if (data.Length - position < 2)
        {
            throw new JournalFormatException($"double column at offset {start}: truncated dictionary");
        }

        int size = BinaryPrimitives.ReadUInt16LittleEndian(data[position..]);
        position += 2;
        if (size < 1 || size > MaxDictionary || data.Length - position < (size * 8) + 1)
        {
            throw new JournalFormatException($"double column at offset {start}: dictionary of {size} values is invalid or does not fit");
        }

        Span<double> dictionary = stackalloc double[size];
        for (var i = 0; i < size; i++)
        {
            dictionary[i] = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(data[(position + (i * 8))..]));
        }

        position += size * 8;
        int width = data[position++];
        if (width != Width(size))
        {
            throw new JournalFormatException($"double column at offset {start}: index width {width} does not match a dictionary of {size}");
        }

        var packed = (int)(((long)n * width + 7) / 8);
        if (packed > data.Length - position)
        {
            throw new JournalFormatException($"double column at offset {start}: {n} indices of {width} bits do not fit in the {data.Length - position} bytes left");
        }

        var result = new double[n];
        if (width == 0)
        {
            result.AsSpan().Fill(dictionary[0]);
            return result;
        }

        var bits = data.Slice(position, packed);
        ulong acc = 0;
        var have = 0;
        var next = 0;
        var mask = (1UL << width) - 1;
        for (var i = 0; i < n; i++)
        {
            if (have < width)
            {
                acc |= (ulong)bits[next++] << have;
                have += 8;
            }

            var index = (int)(acc & mask);
            acc >>= width;
            have -= width;
            if (index >= size)
            {
                throw new JournalFormatException($"double column at offset {start}: index {index} outside a dictionary of {size}");
            }

            result[i] = dictionary[index];
        }

        position += packed;
        return result;
    }

    private static int Width(int size) => size <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(size - 1));

    private static bool TryDictionary(ReadOnlySpan<double> values, Span<byte> destination, out int written)
    {
        written = 0;
        var n = values.Length;
        Span<long> keys = stackalloc long[Slots];
        Span<short> slotIndex = stackalloc short[Slots];
        slotIndex.Fill(-1);
        Span<long> dictionary = stackalloc long[MaxDictionary];
        var size = 0;
        var indices = System.Buffers.ArrayPool<byte>.Shared.Rent(n);
        try
        {
            var lastBits = BitConverter.DoubleToInt64Bits(values[0]) ^ 1; // differs from the first value
            byte lastIndex = 0;
            var prevBits = lastBits;
            byte prevIndex = 0;
            for (var i = 0; i < n; i++)
            {
                var bits = BitConverter.DoubleToInt64Bits(values[i]);
                if (bits == lastBits)
                {
                    indices[i] = lastIndex;
                    continue;
                }

                if (bits == prevBits)
                {
                    // alternating between two values (a miner's answers across events of opposite sign): swap
                    (prevBits, lastBits) = (lastBits, prevBits);
                    (prevIndex, lastIndex) = (lastIndex, prevIndex);
                    indices[i] = lastIndex;
                    continue;
                }

                var slot = (int)((ulong)(bits * -7046029254386353131L) >> 54) & (Slots - 1);
                while (slotIndex[slot] >= 0 && keys[slot] != bits)
                {
                    slot = (slot + 1) & (Slots - 1);
                }

                if (slotIndex[slot] < 0)
                {
                    if (size == MaxDictionary)
                    {
                        return false;
                    }

                    keys[slot] = bits;
                    slotIndex[slot] = (short)size;
                    dictionary[size++] = bits;
                }

                prevBits = lastBits;
                prevIndex = lastIndex;
                lastBits = bits;
                lastIndex = (byte)slotIndex[slot];
                indices[i] = lastIndex;
            }

            var width = Width(size);
            var packed = (int)(((long)n * width + 7) / 8);
            var total = 5 + 2 + (size * 8) + 1 + packed;
            if (total >= 5 + (n * 8))
            {
                return false;
            }

            var pos = 5;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[pos..], (ushort)size);
            pos += 2;
            for (var i = 0; i < size; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(destination[pos..], dictionary[i]);
                pos += 8;
            }

            destination[pos++] = (byte)width;
            if (width > 0)
            {
                ulong acc = 0;
                var have = 0;
                for (var i = 0; i < n; i++)
                {
                    acc |= (ulong)indices[i] << have;
                    have += width;
                    while (have >= 8)
                    {
                        destination[pos++] = (byte)acc;
                        acc >>= 8;
                        have -= 8;
                    }
                }

                if (have > 0)
                {
                    destination[pos++] = (byte)acc;
                }
            }

            written = pos;
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(indices);
        }
    }
}
