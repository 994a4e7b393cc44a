using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;

namespace MarketSim.Pbm;

/// <summary>
/// <c>/user/petabridge.cmd-log-memorizer</c>: receives the event stream's log events (PbmHost subscribes it) and keeps the
/// most recent lines (at or above its level) in a ring buffer for <c>log peek</c>; followers get new lines as they arrive.
/// </summary>
internal sealed class LogMemorizer : ReceiveActor
{
    public const string ActorName = "petabridge.cmd-log-memorizer";

    private readonly Queue<string> _lines = new();
    private readonly List<ChannelWriter<string>> _followers = [];
    private readonly int _capacity;
    private LogLevel? _level;

    /// <param name="capacity">Lines kept.</param>
    /// <param name="level">Lowest level recorded; null = OFF (nothing recorded).</param>
    public static Props Props(int capacity, LogLevel? level) => Akka.Actor.Props.Create(() => new LogMemorizer(capacity, level));

    public LogMemorizer(int capacity, LogLevel? level)
    {
        _capacity = capacity;
        _level = level;
        Receive<LogEvent>(e =>
        {
            if (_level is not { } min || e.LogLevel() < min)
            {
                return;
            }

            var line = e.ToString();
            _lines.Enqueue(line);
            while (_lines.Count > _capacity)
            {
                _lines.Dequeue();
            }

            foreach (var f in _followers)
            {
                f.TryWrite(line);
            }
        });
        Receive<Peek>(p => Sender.Tell(new PeekResult(_lines.Skip(Math.Max(0, _lines.Count - p.Count)).ToList(), _level)));
        Receive<Follow>(f =>
        {
            _followers.Add(f.Writer);
            Sender.Tell(new PeekResult(_lines.Skip(Math.Max(0, _lines.Count - f.Count)).ToList(), _level));
        });
        Receive<Unfollow>(f => _followers.Remove(f.Writer));
        Receive<SetLevel>(s =>
        {
            var previous = _level;
            _level = s.Level;
            Sender.Tell(new LevelChanged(previous, s.Level));
        });
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        foreach (var f in _followers)
        {
            f.TryComplete();
        }
    }

    public sealed record Peek(int Count);

    public sealed record PeekResult(IReadOnlyList<string> Lines, LogLevel? Level);

    /// <summary>Register a follower; the reply holds the last <paramref name="Count"/> lines (no gap, no duplicate).</summary>
    public sealed record Follow(ChannelWriter<string> Writer, int Count);

    public sealed record Unfollow(ChannelWriter<string> Writer);

    /// <summary>Change the lowest level recorded (null = OFF).</summary>
    public sealed record SetLevel(LogLevel? Level);

    public sealed record LevelChanged(LogLevel? Previous, LogLevel? Current);
}
