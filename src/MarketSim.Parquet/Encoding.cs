using System.Buffers.Binary;
using System.IO.Compression;

namespace MarketSim.Parquet;

/// <summary>A growable byte buffer.</summary>
internal sealed class ByteBuffer(int capacity = 256)
{
    public byte[] Data { get; private set; } = new byte[Math.Max(16, capacity)];

    public int Length { get; set; }

    public ReadOnlySpan<byte> Span => Data.AsSpan(0, Length);

    public Span<byte> Take(int n)
    {
        if (Length + n > Data.Length)
        {
            long want = Math.Max((long)Data.Length * 2, (long)Length + n);
            var d = new byte[(int)Math.Min(want, Array.MaxLength)];
            Buffer.BlockCopy(Data, 0, d, 0, Length);
            Data = d;
        }

        var s = Data.AsSpan(Length, n);
        Length += n;
        return s;
    }

    public void Add(byte b) => Take(1)[0] = b;

    public void Add(ReadOnlySpan<byte> b) => b.CopyTo(Take(b.Length));

    public void Varint(ulong v)
    {
        while (v >= 0x80)
        {
            Add((byte)(v | 0x80));
            v >>= 7;
        }

        Add((byte)v);
    }

    public void Clear() => Length = 0;
}

internal static class Rle
{
    /// <summary>Writes values as bit-packed runs of the RLE/bit-packed hybrid (no length prefix).</summary>
    public static void WriteBitPacked(ByteBuffer buf, ReadOnlySpan<int> values, int bitWidth)
    {
        int groups = (values.Length + 7) / 8;
        if (groups == 0)
        {
            return;
        }

        buf.Varint(((ulong)groups << 1) | 1);
        if (bitWidth == 0)
        {
            return;
        }

        var outSpan = buf.Take(groups * bitWidth);
        outSpan.Clear();
        long bit = 0;
        for (int i = 0; i < values.Length; i++, bit += bitWidth)
        {
            ulong v = (uint)values[i];
            for (int b = 0; b < bitWidth; b++)
            {
                if (((v >> b) & 1) != 0)
                {
                    long p = bit + b;
                    outSpan[(int)(p >> 3)] |= (byte)(1 << (int)(p & 7));
                }
            }
        }
    }

    /// <summary>Decodes <paramref name="output"/>.Length values of the hybrid encoding; returns bytes consumed.</summary>
    public static int Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output)
    {
        int pos = 0;
        int n = 0;
        int byteWidth = (bitWidth + 7) / 8;
        while (n < output.Length)
        {
            if (pos >= data.Length)
            {
                throw new InvalidDataException("RLE/bit-packed data ends before all values were read");
            }

            ulong header = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (pos >= data.Length || shift > 35)
                {
                    throw new InvalidDataException("bad RLE run header");
                }

                byte b = data[pos++];
                header |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if ((header & 1) == 0)
            {
                long count = (long)(header >> 1);
                if (pos + byteWidth > data.Length)
                {
                    throw new InvalidDataException("RLE run value runs past the end of the data");
                }

                int v = 0;
                for (int i = 0; i < byteWidth; i++)
                {
                    v |= data[pos + i] << (8 * i);
                }

                pos += byteWidth;
                int take = (int)Math.Min(count, output.Length - n);
                output.Slice(n, take).Fill(v);
                n += take;
            }
            else
            {
                long count = (long)(header >> 1) * 8;
                long bytes = (long)(header >> 1) * bitWidth;
                if (pos + bytes > data.Length)
                {
                    // Some writers truncate the last group; decode what is there.
                    bytes = data.Length - pos;
                    count = Math.Min(count, bitWidth == 0 ? count : bytes * 8 / bitWidth);
                }

                int take = (int)Math.Min(count, output.Length - n);
                var src = data.Slice(pos, (int)bytes);
                if (bitWidth == 0)
                {
                    output.Slice(n, take).Clear();
                }
                else
                {
                    long bit = 0;
                    int mask = bitWidth >= 32 ? -1 : (1 << bitWidth) - 1;
                    for (int i = 0; i < take; i++, bit += bitWidth)
                    {
                        int byteIndex = (int)(bit >> 3);
                        int shift = (int)(bit & 7);
                        ulong w = 0;
                        for (int k = 0; k < 5 && byteIndex + k < src.Length; k++)
                        {
                            w |= (ulong)src[byteIndex + k] << (8 * k);
                        }

                        output[n + i] = (int)(w >> shift) & mask;
                    }
                }

                n += take;
                pos += (int)bytes;
            }
        }

        return pos;
    }
}

internal static class Codec
{
    public static byte[] Compress(ParquetCompression codec, ReadOnlySpan<byte> data)
    {
        switch (codec)
        {
            case ParquetCompression.Uncompressed:
                return data.ToArray();
            case ParquetCompression.Snappy:
                return IronSnappy.Snappy.Encode(data);
            case ParquetCompression.Gzip:
                {
                    using var ms = new MemoryStream();
                    using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gz.Write(data);
                    }

                    return ms.ToArray();
                }

            default:
                throw new NotSupportedException($"compression {codec}");
        }
    }

    public static byte[] Decompress(long codec, ReadOnlySpan<byte> data, int uncompressedSize)
    {
        if (codec == 0)
        {
            return data.ToArray();
        }

        if (uncompressedSize < 0)
        {
            throw new InvalidDataException($"negative uncompressed page size {uncompressedSize}");
        }

        CheckSize(codec, data, uncompressedSize);
        var result = GC.AllocateUninitializedArray<byte>(uncompressedSize);
        DecompressInto(codec, data, result);
        return result;
    }

    /// <summary>
    /// Decompresses <paramref name="data"/> into <paramref name="dest"/>, which must be exactly the uncompressed size
    /// (a block that decodes to another size is an <see cref="InvalidDataException"/>).
    /// </summary>
    public static void DecompressInto(long codec, ReadOnlySpan<byte> data, Span<byte> dest)
    {
        CheckSize(codec, data, dest.Length);
        switch (codec)
        {
            case 0:
                if (data.Length != dest.Length)
                {
                    throw new InvalidDataException($"uncompressed page holds {data.Length} bytes, header says {dest.Length}");
                }

                data.CopyTo(dest);
                break;
            case 1:
                SnappyDecoder.Decompress(data, dest);
                break;
            case 2:
                {
                    unsafe
                    {
                        fixed (byte* p = data)
                        {
                            using var ms = new UnmanagedMemoryStream(p, data.Length);
                            using var gz = new GZipStream(ms, CompressionMode.Decompress);
                            gz.ReadExactly(dest);
                        }
                    }

                    break;
                }

            default:
                throw new InvalidDataException($"unsupported compression codec {CodecName(codec)}");
        }
    }

    /// <summary>
    /// Checks a page's stated uncompressed size against what the compressed bytes can hold before a buffer of that
    /// size is allocated (for Snappy: the block's own length header).
    /// </summary>
    public static void CheckSize(long codec, ReadOnlySpan<byte> data, long uncompressedSize)
    {
        if (uncompressedSize < 0 || uncompressedSize > Array.MaxLength)
        {
            throw new InvalidDataException($"bad uncompressed page size {uncompressedSize}");
        }

        if (codec == 1)
        {
            int n = SnappyDecoder.GetUncompressedLength(data);
            if (n != uncompressedSize)
            {
                throw new InvalidDataException($"Snappy block holds {n} bytes, the page header says {uncompressedSize}");
            }
        }
    }

    public static string CodecName(long codec) => codec switch
    {
        0 => "UNCOMPRESSED",
        1 => "SNAPPY",
        2 => "GZIP",
        3 => "LZO",
        4 => "BROTLI",
        5 => "LZ4",
        6 => "ZSTD",
        7 => "LZ4_RAW",
        _ => codec.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static void WriteInt32(ByteBuffer b, int v) => BinaryPrimitives.WriteInt32LittleEndian(b.Take(4), v);
}
