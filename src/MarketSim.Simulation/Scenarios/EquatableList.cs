using System.Collections;

namespace MarketSim.Simulation.Scenarios;

/// <summary>An immutable list with structural equality, so that records holding lists compare by content.</summary>
public sealed class EquatableList<T> : IReadOnlyList<T>, IEquatable<EquatableList<T>>
{
    private readonly T[] _items;

    public EquatableList(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = [.. items];
    }

    public static EquatableList<T> Empty { get; } = new([]);

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(EquatableList<T>? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other._items.Length != _items.Length)
        {
            return false;
        }

        var cmp = EqualityComparer<T>.Default;
        for (var i = 0; i < _items.Length; i++)
        {
            if (!cmp.Equals(_items[i], other._items[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is EquatableList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var item in _items)
        {
            h.Add(item);
        }

        return h.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}
