using System.Text;

namespace MarketSim.Actors;

/// <summary>
/// The logical address of an actor: <c>akka://system/user/parent/child</c>. Equality ignores the
/// <see cref="Uid"/> (two incarnations under the same name have equal paths); actor refs compare path and uid.
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>, IComparable<ActorPath>
{
    private readonly string _string;

    private ActorPath(string systemName, ActorPath? parent, string name, long uid)
    {
        SystemName = systemName;
        ParentOrNull = parent;
        Name = name;
        Uid = uid;
        _string = parent is null ? $"akka://{systemName}/" : BuildString(parent, name);
    }

    /// <summary>The root path of a system: <c>akka://name/</c>.</summary>
    public static ActorPath Root(string systemName) => new(systemName, null, "", 0);

    /// <summary>Name of the actor system this path belongs to.</summary>
    public string SystemName { get; }

    /// <summary>The address part, <c>akka://system</c>.</summary>
    public string Address => "akka://" + SystemName;

    /// <summary>The parent path; the root path is its own parent.</summary>
    public ActorPath Parent => ParentOrNull ?? this;

    private ActorPath? ParentOrNull { get; }

    /// <summary>The last element ("" for the root).</summary>
    public string Name { get; }

    /// <summary>Incarnation id of the actor at this path (0 when unknown).</summary>
    public long Uid { get; }

    /// <summary>The path elements below the root, e.g. ["user", "a", "b"].</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var list = new List<string>();
            for (var p = this; p.ParentOrNull is not null; p = p.ParentOrNull)
            {
                list.Add(p.Name);
            }
            list.Reverse();
            return list;
        }
    }

    /// <summary>Depth below the root (root = 0).</summary>
    public int Depth { get; private init; }

    /// <summary>A child path.</summary>
    public ActorPath Child(string name) => new(SystemName, this, name, 0) { Depth = Depth + 1 };

    /// <summary>Shorthand for <see cref="Child"/>.</summary>
    public static ActorPath operator /(ActorPath path, string name) => path.Child(name);

    internal ActorPath WithUid(long uid) => new(SystemName, ParentOrNull, Name, uid) { Depth = Depth };

    /// <summary>The path without the address, e.g. <c>/user/a/b</c>.</summary>
    public string ToStringWithoutAddress() => _string.Substring(Address.Length);

    /// <inheritdoc />
    public override string ToString() => _string;

    /// <summary>True when the given string is a valid path element (Akka's rules: no '/', no leading '$', URI-safe characters).</summary>
    public static bool IsValidPathElement(string? name)
    {
        if (string.IsNullOrEmpty(name) || name[0] == '$')
        {
            return false;
        }
        foreach (var c in name)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || "-_.*$+:@&=,!~';()".Contains(c);
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public bool Equals(ActorPath? other) => other is not null && string.Equals(_string, other._string, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ActorPath p && Equals(p);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_string);

    /// <inheritdoc />
    public int CompareTo(ActorPath? other) => string.CompareOrdinal(_string, other?._string);

    /// <summary>Equality by value.</summary>
    public static bool operator ==(ActorPath? a, ActorPath? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(ActorPath? a, ActorPath? b) => !(a == b);

    private static string BuildString(ActorPath parent, string name)
    {
        var sb = new StringBuilder(parent._string);
        if (sb[^1] != '/')
        {
            sb.Append('/');
        }
        sb.Append(name);
        return sb.ToString();
    }
}
