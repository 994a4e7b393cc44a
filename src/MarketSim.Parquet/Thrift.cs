using System.Text;

namespace MarketSim.Parquet;

/// <summary>A decoded Thrift struct: field id to value (long, bool, byte[], List&lt;object&gt;, ThriftStruct).</summary>
internal sealed class ThriftStruct
{
    public Dictionary<short, object> Fields { get; } = [];

    public bool Has(short id) => Fields.ContainsKey(id);

    public long Long(short id, string what)
    {
        if (Fields.TryGetValue(id, out var v) && v is long l)
        {
            return l;
        }

        throw new InvalidDataException($"missing required field {what}");
    }

    public long? OptLong(short id) => Fields.TryGetValue(id, out var v) && v is long l ? l : null;

    public bool? OptBool(short id) => Fields.TryGetValue(id, out var v) && v is bool b ? b : null;

    public byte[]? OptBinary(short id) => Fields.TryGetValue(id, out var v) ? v as byte[] : null;

    public string? OptString(short id) => OptBinary(id) is { } b ? Encoding.UTF8.GetString(b) : null;

    public ThriftStruct? OptStruct(short id) => Fields.TryGetValue(id, out var v) ? v as ThriftStruct : null;

    public List<object> List(short id, string what) =>
        Fields.TryGetValue(id, out var v) && v is List<object> l ? l : throw new InvalidDataException($"missing required list {what}");
}

/// <summary>Thrift compact protocol decoder over a byte span.</summary>
internal ref struct ThriftReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _depth;

    public ThriftReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        Position = 0;
        _depth = 0;
    }

    public int Position { get; private set; }

    public ThriftStruct ReadStruct()
    {
        if (++_depth > 64)
        {
            throw new InvalidDataException("Thrift structures nested too deeply");
        }

        var s = new ThriftStruct();
        short last = 0;
        while (true)
        {
            byte h = ReadByte();
            if (h == 0)
            {
                break;
            }

            int type = h & 0x0F;
            int delta = h >> 4;
            short id = delta != 0 ? (short)(last + delta) : (short)ZigZag(ReadVarint());
            last = id;
            s.Fields[id] = ReadValue(type);
        }

        _depth--;
        return s;
    }

    private object ReadValue(int type)
    {
        switch (type)
        {
            case 1: return true;
            case 2: return false;
            case 3: return (long)(sbyte)ReadByte();
            case 4:
            case 5:
            case 6: return ZigZag(ReadVarint());
            case 7:
                Need(8);
                Position += 8;
                return 0L;
            case 8:
                {
                    long len = (long)ReadVarint();
                    if (len < 0 || len > _data.Length - Position)
                    {
                        throw new InvalidDataException($"Thrift binary length {len} runs past the end of the data");
                    }

                    var b = _data.Slice(Position, (int)len).ToArray();
                    Position += (int)len;
                    return b;
                }

            case 9:
            case 10:
                {
                    byte h = ReadByte();
                    long size = h >> 4;
                    int et = h & 0x0F;
                    if (size == 15)
                    {
                        size = (long)ReadVarint();
                    }

                    if (size < 0 || size > _data.Length - Position)
                    {
                        throw new InvalidDataException($"Thrift list size {size} is larger than the remaining data");
                    }

                    var list = new List<object>((int)size);
                    for (long i = 0; i < size; i++)
                    {
                        list.Add(et is 1 or 2 ? ReadByte() == 1 : ReadValue(et));
                    }

                    return list;
                }

            case 11:
                {
                    long size = (long)ReadVarint();
                    if (size < 0 || size > _data.Length - Position)
                    {
                        throw new InvalidDataException($"Thrift map size {size} is larger than the remaining data");
                    }

                    if (size == 0)
                    {
                        return new List<object>();
                    }

                    byte kv = ReadByte();
                    for (long i = 0; i < size; i++)
                    {
                        ReadValue(kv >> 4);
                        ReadValue(kv & 0x0F);
                    }

                    return new List<object>();
                }

            case 12: return ReadStruct();
            default: throw new InvalidDataException($"unknown Thrift compact type {type} at byte {Position}");
        }
    }

    private void Need(int n)
    {
        if (Position + n > _data.Length)
        {
            throw new InvalidDataException("Thrift data ends in the middle of a value");
        }
    }

    private byte ReadByte()
    {
        Need(1);
        return _data[Position++];
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("Thrift varint is too long");
    }

    private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);
}

/// <summary>Thrift compact protocol encoder.</summary>
internal sealed class ThriftWriter
{
    private readonly List<byte> _buf = [];
    private readonly Stack<short> _last = new();
    private short _lastId;

    public byte[] ToArray() => [.. _buf];

    public void I32(short id, long v)
    {
        Header(id, 5);
        Varint(Zig(v));
    }

    public void I64(short id, long v)
    {
        Header(id, 6);
        Varint(Zig(v));
    }

    public void Bool(short id, bool v) => Header(id, v ? 1 : 2);

    public void Binary(short id, ReadOnlySpan<byte> v)
    {
        Header(id, 8);
        Varint((ulong)v.Length);
        foreach (var b in v)
        {
            _buf.Add(b);
        }
    }

    public void String(short id, string v) => Binary(id, Encoding.UTF8.GetBytes(v));

    public void BeginStruct(short id)
    {
        Header(id, 12);
        BeginNested();
    }

    /// <summary>Starts a struct that is an element of a list (no field header).</summary>
    public void BeginNested()
    {
        _last.Push(_lastId);
        _lastId = 0;
    }

    public void EndStruct()
    {
        _buf.Add(0);
        _lastId = _last.Count > 0 ? _last.Pop() : (short)0;
    }

    public void ListHeader(short id, int elementType, int count)
    {
        Header(id, 9);
        if (count < 15)
        {
            _buf.Add((byte)((count << 4) | elementType));
        }
        else
        {
            _buf.Add((byte)(0xF0 | elementType));
            Varint((ulong)count);
        }
    }

    public void ListI32(short id, IReadOnlyList<int> values)
    {
        ListHeader(id, 5, values.Count);
        foreach (var v in values)
        {
            Varint(Zig(v));
        }
    }

    public void ListString(short id, IReadOnlyList<string> values)
    {
        ListHeader(id, 8, values.Count);
        foreach (var v in values)
        {
            var b = Encoding.UTF8.GetBytes(v);
            Varint((ulong)b.Length);
            _buf.AddRange(b);
        }
    }

    private void Header(short id, int type)
    {
        int delta = id - _lastId;
        if (delta is > 0 and <= 15)
        {
            _buf.Add((byte)((delta << 4) | type));
        }
        else
        {
            _buf.Add((byte)type);
            Varint(Zig(id));
        }

        _lastId = id;
    }

    private void Varint(ulong v)
    {
        while (v >= 0x80)
        {
            _buf.Add((byte)(v | 0x80));
            v >>= 7;
        }

        _buf.Add((byte)v);
    }

    private static ulong Zig(long v) => (ulong)((v << 1) ^ (v >> 63));
}
