using System.Collections;

namespace MarketSim.Simulation.Scenarios;

/// <summary>An immutable list with structural equality, so that records holding lists compare by content.</summary>
public sealed class EquatableList<T> : IReadOnlyList<T>, IEquatable<EquatableList<T>>
{
    private readonly T[] _items;

    /// <summary>A list holding a copy of <paramref name="items"/>.</summary>
    public EquatableList(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = [.. items];
    }

    /// <summary>The empty list.</summary>
    public static EquatableList<T> Empty { get; } = new([]);

    /// <summary>Number of items.</summary>
    public int Count => _items.Length;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public T this[int index] => _items[index];

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>True when <paramref name="other"/> holds equal items in the same order.</summary>
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

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EquatableList<T> other && Equals(other);

    /// <summary>A hash of the items, consistent with <see cref="Equals(EquatableList{T})"/>.</summary>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var item in _items)
        {
            h.Add(item);
        }

        return h.ToHashCode();
    }

    /// <summary>The items as <c>[a, b, c]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}
