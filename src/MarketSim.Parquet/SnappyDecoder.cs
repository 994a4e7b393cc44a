using System.Runtime.CompilerServices;

namespace MarketSim.Parquet;

/// <summary>
/// Decoder for the Snappy raw block format (the one Parquet's SNAPPY codec uses), written from the format
/// description: a little-endian base-128 varint holding the uncompressed length, then elements, each starting
/// with a tag byte whose low two bits give its kind:
/// <list type="bullet">
/// <item>00 literal: length-1 in the upper six bits; 60..63 mean the length-1 follows in 1..4 little-endian bytes;</item>
/// <item>01 copy with a 1-byte offset: length 4..11 in bits 2..4, offset bits 8..10 in bits 5..7, low offset byte next;</item>
/// <item>10 copy with a 2-byte offset: length-1 in the upper six bits, then a little-endian 16-bit offset;</item>
/// <item>11 copy with a 4-byte offset: as 10 with a 32-bit offset.</item>
/// </list>
/// A copy repeats <c>length</c> bytes starting <c>offset</c> bytes back in the output; offset &lt; length
/// repeats a pattern (run-length style). Every bound is checked: a malformed block throws
/// <see cref="InvalidDataException"/> (callers add the file, column and page), never writes outside the
/// destination and never reads outside the source.
/// </summary>
internal static class SnappyDecoder
{
    /// <summary>Reads the uncompressed length from the block's varint header.</summary>
    public static int GetUncompressedLength(ReadOnlySpan<byte> src) => ReadHeader(src, out _);

    /// <summary>Decodes <paramref name="src"/> into a new array.</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> src)
    {
        int n = ReadHeader(src, out _);
        var dst = GC.AllocateUninitializedArray<byte>(n);
        Decompress(src, dst);
        return dst;
    }

    /// <summary>
    /// Decodes <paramref name="src"/> into <paramref name="dst"/>, whose length must equal the uncompressed
    /// length in the block header. On error <paramref name="dst"/> holds partial output.
    /// </summary>
    public static unsafe void Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int length = ReadHeader(src, out int headerLen);
        if (length != dst.Length)
        {
            throw new InvalidDataException($"Snappy block holds {length} bytes, {dst.Length} expected");
        }

        fixed (byte* srcStart = src)
        fixed (byte* dstStart = dst)
        {
            byte* ip = srcStart + headerLen;
            byte* ipEnd = srcStart + src.Length;
            byte* op = dstStart;
            byte* opEnd = dstStart + dst.Length;

            while (ip < ipEnd)
            {
                uint tag = *ip++;
                if ((tag & 3) == 0)
                {
                    // Literal.
                    nuint len = (tag >> 2) + 1;
                    if (len > 60)
                    {
                        int extra = (int)len - 60;
                        if (ipEnd - ip < extra)
                        {
                            throw Corrupt("literal length runs past the end of the input", ip - 1, srcStart);
                        }

                        uint v = ip[0];
                        if (extra > 1)
                        {
                            v |= (uint)ip[1] << 8;
                            if (extra > 2)
                            {
                                v |= (uint)ip[2] << 16;
                                if (extra > 3)
                                {
                                    v |= (uint)ip[3] << 24;
                                }
                            }
                        }

                        ip += extra;
                        len = (nuint)v + 1;
                    }

                    nuint inLeft = (nuint)(ipEnd - ip);
                    nuint outLeft = (nuint)(opEnd - op);
                    if (len <= 16 && inLeft >= 16 && outLeft >= 16)
                    {
                        // Short literal with room on both sides: one 16-byte move, the surplus is overwritten later.
                        Unsafe.CopyBlockUnaligned(op, ip, 16);
                    }
                    else
                    {
                        if (len > inLeft)
                        {
                            throw Corrupt($"literal of {len} bytes runs past the end of the input", ip - 1, srcStart);
                        }

                        if (len > outLeft)
                        {
                            throw Corrupt($"literal of {len} bytes runs past the uncompressed length {dst.Length}", ip - 1, srcStart);
                        }

                        Buffer.MemoryCopy(ip, op, outLeft, len);
                    }

                    ip += len;
                    op += len;
                    continue;
                }

                nuint length2;
                nuint offset;
                switch (tag & 3)
                {
                    case 1:
                        if (ip >= ipEnd)
                        {
                            throw Corrupt("copy offset runs past the end of the input", ip - 1, srcStart);
                        }

                        length2 = ((tag >> 2) & 7) + 4;
                        offset = ((tag >> 5) << 8) | *ip++;
                        break;
                    case 2:
                        if (ipEnd - ip < 2)
                        {
                            throw Corrupt("copy offset runs past the end of the input", ip - 1, srcStart);
                        }

                        length2 = (tag >> 2) + 1;
                        offset = Unsafe.ReadUnaligned<ushort>(ip);
                        if (!BitConverter.IsLittleEndian)
                        {
                            offset = (nuint)(((offset & 0xFF) << 8) | (offset >> 8));
                        }

                        ip += 2;
                        break;
                    default:
                        if (ipEnd - ip < 4)
                        {
                            throw Corrupt("copy offset runs past the end of the input", ip - 1, srcStart);
                        }

                        length2 = (tag >> 2) + 1;
                        offset = (nuint)(ip[0] | ((uint)ip[1] << 8) | ((uint)ip[2] << 16) | ((uint)ip[3] << 24));
                        ip += 4;
                        break;
                }

                nuint written = (nuint)(op - dstStart);
                if (offset == 0 || offset > written)
                {
                    throw Corrupt(
                        offset == 0 ? "copy with offset 0" : $"copy offset {offset} reaches before the start of the output ({written} bytes written)",
                        ip - 1,
                        srcStart);
                }

                nuint room = (nuint)(opEnd - op);
                if (length2 > room)
                {
                    throw Corrupt($"copy of {length2} bytes runs past the uncompressed length {dst.Length}", ip - 1, srcStart);
                }

                byte* end = op + length2;
                if (room >= length2 + 8)
                {
                    // 8-byte moves, may write up to 7 bytes past the copy (inside dst; overwritten later).
                    nuint step = offset;
                    if (offset < 8)
                    {
                        // Pattern shorter than a move: copy bytes one at a time until the pattern, repeated,
                        // is at least 8 bytes behind, then move 8 bytes at a time from a multiple of the offset back.
                        step = offset * (nuint)((8 + (int)offset - 1) / (int)offset);
                        byte* prefixEnd = op + (step - offset);
                        if (prefixEnd > end)
                        {
                            prefixEnd = end;
                        }

                        while (op < prefixEnd)
                        {
                            *op = *(op - offset);
                            op++;
                        }
                    }

                    while (op < end)
                    {
                        Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(op - step));
                        op += 8;
                    }

                    op = end;
                }
                else
                {
                    while (op < end)
                    {
                        *op = *(op - offset);
                        op++;
                    }
                }
            }

            if (op != opEnd)
            {
                throw new InvalidDataException($"Snappy block decodes to {op - dstStart} bytes but its header says {dst.Length}");
            }
        }
    }

    private static int ReadHeader(ReadOnlySpan<byte> src, out int headerLen)
    {
        uint v = 0;
        for (int i = 0; i < 5; i++)
        {
            if (i >= src.Length)
            {
                throw new InvalidDataException("Snappy block ends inside its length header");
            }

            uint b = src[i];
            if (i == 4 && b > 0x0F)
            {
                throw new InvalidDataException("Snappy length header is larger than 32 bits");
            }

            v |= (b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                if (v > (uint)Array.MaxLength)
                {
                    throw new InvalidDataException($"Snappy length header claims {v} bytes");
                }

                headerLen = i + 1;
                return (int)v;
            }
        }

        throw new InvalidDataException("Snappy length header is larger than 32 bits");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe InvalidDataException Corrupt(string what, byte* at, byte* start) =>
        new($"corrupt Snappy block: {what} (tag at input byte {at - start})");
}
