using System.Collections.Concurrent;
using MarketSim.Actors.Event;

namespace MarketSim.Actors;

/// <summary>
/// The runtime side of one actor: its mailbox (a lock-free user queue plus a system queue that is
/// always drained first), its current instance and behaviour, its children and death-watch state.
/// A cell is scheduled on the .NET thread pool when it has work and is not already scheduled; one
/// turn processes at most <c>throughput</c> user messages, then yields.
/// </summary>
internal sealed class ActorCell : IActorContext, IThreadPoolWorkItem
{
    [ThreadStatic] private static ActorCell? t_current;
    [ThreadStatic] private static ActorCell? t_constructing;

    private const string NameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";

    private readonly ConcurrentQueue<Envelope> _mailbox = new();
    private readonly ConcurrentQueue<SystemMessage> _systemMailbox = new();
    private readonly ConcurrentDictionary<string, ChildEntry> _children = new(StringComparer.Ordinal);
    private readonly int _throughput;
    private Stack<Envelope>? _prepended;
    private int _scheduled;
    private int _systemPending; // cheap per-message check instead of ConcurrentQueue.IsEmpty
    private int _suspendCount;
    private bool _awaitingAsync;
    private Task? _pendingTask;
    private bool _isFailed;
    private volatile bool _isTerminated;
    private volatile bool _terminating;
    private Exception? _pendingRecreate;
    private ActorBase? _actor;
    private Receive? _behavior;
    private Stack<Receive>? _behaviorStack;
    private Envelope _current;
    private bool _processing;
    private object? _failedMessage;
    private HashSet<IActorRef>? _watching;
    private HashSet<InternalActorRef>? _watchedBy;
    private UnboundedStash? _stash;
    private InternalActorRef? _escalatedFrom;
    private ILoggingAdapter? _log;
    private long _nameCounter;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal sealed class ChildEntry(LocalActorRef child)
    {
        public LocalActorRef Child { get; } = child;
        public ChildRestartStats Stats { get; } = new(child);
        public volatile bool Terminating;
    }

    public ActorCell(ActorSystem system, Props props, InternalActorRef parent, ActorPath path)
    {
        System = system;
        Props = props;
        ParentRef = parent;
        SelfRef = new LocalActorRef(this, path);
        _throughput = Math.Max(1, system.Settings.Throughput);
    }

    [ThreadStatic] private static IActorRef? t_implicitSender;

    internal static ActorCell? Current => t_current;

    /// <summary>Sender used when Tell gets none: the current actor, else the thread's implicit sender (TestKit's TestActor).</summary>
    internal static IActorRef? ImplicitSender(IActorRef? given) => given ?? t_current?.SelfRef ?? t_implicitSender;

    internal static void SetImplicitSender(IActorRef? sender) => t_implicitSender = sender;

    internal static ActorCell? Constructing => t_constructing;

    public ActorSystem System { get; }

    public Props Props { get; }

    public InternalActorRef ParentRef { get; }

    public LocalActorRef SelfRef { get; }

    public IActorRef Self => SelfRef;

    public IActorRef Parent => ParentRef;

    public IActorRef Sender => _current.Sender ?? System.DeadLetters;

    public bool IsTerminated => _isTerminated;

    internal Task TerminationTask => _terminated.Task;

    internal Envelope? CurrentEnvelope => _processing || _awaitingAsync ? _current : null;

    internal IEnumerable<InternalActorRef> ChildRefs => _children.Values.Select(e => (InternalActorRef)e.Child);

    public IEnumerable<IActorRef> Children => _children.Values.Where(e => !e.Terminating).Select(e => (IActorRef)e.Child).ToList();

    internal InternalActorRef? GetChildRef(string name) => _children.TryGetValue(name, out var e) ? e.Child : null;

    // ---------------------------------------------------------------- mailbox

    public void Post(object message, IActorRef? sender)
    {
        if (_isTerminated)
        {
            System.DeadLetterRef.Deliver(message, sender, SelfRef);
            return;
        }
        _mailbox.Enqueue(new Envelope(message, sender));
        TrySchedule();
    }

    public void SendSystemMessage(SystemMessage message)
    {
        _systemMailbox.Enqueue(message);
        Interlocked.Increment(ref _systemPending);
        TrySchedule();
    }

    private void TrySchedule()
    {
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private bool CanProcessUserMessages => _suspendCount == 0 && !_awaitingAsync && !_isTerminated;

    private bool HasWork()
    {
        if (!_systemMailbox.IsEmpty)
        {
            return true;
        }
        var hasUser = !_mailbox.IsEmpty || _prepended is { Count: > 0 };
        return hasUser && (CanProcessUserMessages || _isTerminated);
    }

    internal void Prepend(IReadOnlyList<Envelope> envelopes)
    {
        _prepended ??= new Stack<Envelope>();
        for (var i = envelopes.Count - 1; i >= 0; i--)
        {
            _prepended.Push(envelopes[i]);
        }
    }

    public void Execute()
    {
        var previous = t_current;
        t_current = this;
        try
        {
            ProcessAllSystemMessages();
            var left = _throughput;
            while (left > 0 && CanProcessUserMessages)
            {
                Envelope env;
                if (_prepended is { Count: > 0 })
                {
                    env = _prepended.Pop();
                }
                else if (!_mailbox.TryDequeue(out env))
                {
                    break;
                }
                Invoke(env);
                left--;
                if (Volatile.Read(ref _systemPending) != 0)
                {
                    ProcessAllSystemMessages();
                }
            }
            if (_isTerminated)
            {
                DrainToDeadLetters();
            }
        }
        finally
        {
            t_current = previous;
            Interlocked.Exchange(ref _scheduled, 0);
            if (HasWork())
            {
                // more work after a full turn: requeue at the back of the global queue (fair to other actors)
                TrySchedule();
            }
        }
    }

    private void DrainToDeadLetters()
    {
        while (_prepended is { Count: > 0 })
        {
            var e = _prepended.Pop();
            System.DeadLetterRef.Deliver(e.Message, e.Sender, SelfRef);
        }
        while (_mailbox.TryDequeue(out var e))
        {
            System.DeadLetterRef.Deliver(e.Message, e.Sender, SelfRef);
        }
    }

    private void Invoke(Envelope env)
    {
        _current = env;
        _processing = true;
        try
        {
            if (env.Message is IAutoReceivedMessage)
            {
                AutoReceive(env);
            }
            else
            {
                _actor!.InvokeAroundReceive(_behavior!, env.Message);
            }
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(ex);
        }
        finally
        {
            _processing = false;
        }
    }

    private void AutoReceive(Envelope env)
    {
        switch (env.Message)
        {
            case PoisonPill:
                BeginTerminate();
                break;
            case Kill:
                throw new ActorKilledException("Kill");
            case Identify id:
                (env.Sender ?? System.DeadLetters).Tell(new ActorIdentity(id.MessageId, SelfRef), SelfRef);
                break;
            case Terminated t:
                if (_watching is not null && _watching.Remove(t.ActorRef))
                {
                    _actor!.InvokeAroundReceive(_behavior!, t);
                }
                break;
            default:
                _actor!.InvokeAroundReceive(_behavior!, env.Message);
                break;
        }
    }

    internal void RunAsync(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return;
        }
        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult();
            return;
        }
        _awaitingAsync = true;
        _pendingTask = task;
        task.ContinueWith(static (t, s) => ((ActorCell)s!).SendSystemMessage(new AsyncCompleted(t)), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // ---------------------------------------------------------------- system messages

    private void ProcessAllSystemMessages()
    {
        while (_systemMailbox.TryDequeue(out var m))
        {
            Interlocked.Decrement(ref _systemPending);
            if (_isTerminated)
            {
                WhenDead(m);
                continue;
            }
            try
            {
                ProcessSystemMessage(m);
            }
            catch (Exception ex)
            {
                HandleInvokeFailure(ex);
            }
        }
    }

    private void WhenDead(SystemMessage m)
    {
        if (m is Watch w && w.Watchee.Equals(SelfRef))
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(SelfRef, true, false));
        }
    }

    private void ProcessSystemMessage(SystemMessage m)
    {
        switch (m)
        {
            case Create:
                CreateInstance();
                break;
            case Terminate:
                BeginTerminate();
                break;
            case Recreate r:
                FaultRecreate(r.Cause);
                break;
            case Resume r:
                if (_isFailed)
                {
                    _isFailed = false;
                    _suspendCount--;
                }
                if (_escalatedFrom is { } perpetrator)
                {
                    // our failure came from this child (Escalate): resuming us resumes it too (Akka)
                    _escalatedFrom = null;
                    perpetrator.SendSystemMessage(new Resume(r.Cause));
                }
                break;
            case Failed f:
                HandleFailedChild(f);
                break;
            case Watch w:
                if (w.Watchee.Equals(SelfRef) && !w.Watcher.Equals(SelfRef))
                {
                    (_watchedBy ??= []).Add(w.Watcher);
                }
                break;
            case Unwatch u:
                _watchedBy?.Remove(u.Watcher);
                break;
            case DeathWatchNotification d:
                // Terminated is queued behind the messages the dead actor sent; it is dropped at delivery
                // if Unwatch was called meanwhile (Akka semantics).
                if (!_terminating && _watching is not null && _watching.Contains(d.Actor))
                {
                    _mailbox.Enqueue(new Envelope(new Terminated(d.Actor, d.ExistenceConfirmed, d.AddressTerminated), d.Actor));
                }
                break;
            case ChildTerminated c:
                HandleChildTerminated(c.Child);
                break;
            case AsyncCompleted a:
                if (ReferenceEquals(a.Task, _pendingTask))
                {
                    _awaitingAsync = false;
                    _pendingTask = null;
                    if (a.Task.IsFaulted)
                    {
                        var ex = a.Task.Exception!;
                        HandleInvokeFailure(ex.InnerExceptions.Count == 1 ? ex.InnerException! : ex);
                    }
                    else if (a.Task.IsCanceled)
                    {
                        HandleInvokeFailure(new TaskCanceledException(a.Task));
                    }
                }
                break;
        }
    }

    private ActorBase NewActor()
    {
        var previous = t_constructing;
        var previousCurrent = t_current;
        t_constructing = this;
        t_current = this;
        try
        {
            _behaviorStack = null;
            _behavior = null;
            var actor = Props.Factory();
            if (!ReferenceEquals(actor.Cell, this))
            {
                throw new InvalidOperationException("Props factory must create a new actor instance.");
            }
            if (actor is ReceiveActor ra)
            {
                ra.FinishConstruction();
            }
            if (actor is IWithUnboundedStash ws)
            {
                ws.Stash = _stash ??= new UnboundedStash(this);
            }
            _behavior ??= actor.InvokeReceive; // unless the constructor called Become
            return actor;
        }
        finally
        {
            t_constructing = previous;
            t_current = previousCurrent;
        }
    }

    private void CreateInstance()
    {
        try
        {
            _actor = NewActor();
            _actor.InvokePreStart();
        }
        catch (Exception ex)
        {
            throw new ActorInitializationException(SelfRef, $"Exception during creation of {SelfRef.Path}: {ex.Message}", ex);
        }
    }

    private void HandleInvokeFailure(Exception ex)
    {
        if (_isTerminated || _terminating)
        {
            GetLogger().Error(ex, "Failure while stopping {0}: {1}", SelfRef.Path, ex.Message);
            return;
        }
        if (_isFailed)
        {
            return;
        }
        _isFailed = true;
        _suspendCount++;
        _failedMessage = _processing ? _current.Message : null;
        ParentRef.SendSystemMessage(new Failed(SelfRef, ex, SelfRef.Path.Uid));
    }

    private void HandleFailedChild(Failed f)
    {
        if (!_children.TryGetValue(f.Child.Path.Name, out var entry) || !entry.Child.Equals(f.Child) || entry.Terminating)
        {
            return;
        }
        var strategy = Props.SupervisorStrategy ?? _actor?.InvokeSupervisorStrategy() ?? SupervisorStrategy.DefaultStrategy;
        var all = _children.Values.Where(e => !e.Terminating).Select(e => e.Stats).ToList();
        if (!strategy.HandleFailure(this, f.Child, f.Cause, entry.Stats, all))
        {
            // Escalate: this actor fails with the same exception.
            if (!_isFailed)
            {
                _escalatedFrom = entry.Child;
            }
            HandleInvokeFailure(f.Cause);
        }
    }

    private void FaultRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }
        _suspendCount++;
        _awaitingAsync = false;
        _pendingTask = null;
        var failed = _actor;
        if (failed is not null)
        {
            _stash?.UnstashAll();
            try
            {
                var prev = t_current;
                t_current = this;
                try
                {
                    failed.InvokePreRestart(cause, _failedMessage);
                }
                finally
                {
                    t_current = prev;
                }
            }
            catch (Exception ex)
            {
                GetLogger().Error(ex, "PreRestart of {0} failed: {1}", SelfRef.Path, ex.Message);
            }
        }
        _actor = null;
        _behavior = null;
        if (_children.Values.Any(e => e.Terminating))
        {
            _pendingRecreate = cause;
        }
        else
        {
            FinishRecreate(cause);
        }
    }

    private void FinishRecreate(Exception cause)
    {
        _suspendCount--;
        if (_isFailed)
        {
            _isFailed = false;
            _suspendCount--;
        }
        _failedMessage = null;
        _escalatedFrom = null;
        try
        {
            _actor = NewActor();
            _actor.InvokePostRestart(cause);
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(new ActorInitializationException(SelfRef, $"Exception post restart of {SelfRef.Path}: {ex.Message}", ex));
        }
    }

    private void BeginTerminate()
    {
        if (_terminating || _isTerminated)
        {
            return;
        }
        _terminating = true;
        _suspendCount++;
        _awaitingAsync = false;
        if (_watching is not null)
        {
            foreach (var w in _watching)
            {
                ((InternalActorRef)w).SendSystemMessage(new Unwatch((InternalActorRef)w, SelfRef));
            }
            _watching.Clear();
        }
        foreach (var e in _children.Values)
        {
            e.Terminating = true;
            e.Child.Stop();
        }
        if (_children.IsEmpty)
        {
            FinishTerminate();
        }
    }

    private void FinishTerminate()
    {
        try
        {
            if (_actor is not null)
            {
                if (_stash is not null)
                {
                    foreach (var e in _stash.ClearStash())
                    {
                        System.DeadLetterRef.Deliver(e.Message, e.Sender, SelfRef);
                    }
                }
                _actor.InvokePostStop();
            }
        }
        catch (Exception ex)
        {
            GetLogger().Error(ex, "PostStop of {0} failed: {1}", SelfRef.Path, ex.Message);
        }
        finally
        {
            _isTerminated = true;
            _actor = null;
            _behavior = null;
            System.EventStream.Unsubscribe(SelfRef);
            if (_watchedBy is not null)
            {
                foreach (var w in _watchedBy)
                {
                    w.SendSystemMessage(new DeathWatchNotification(SelfRef, true, false));
                }
                _watchedBy.Clear();
            }
            ParentRef.SendSystemMessage(new ChildTerminated(SelfRef));
            DrainToDeadLetters();
            _terminated.TrySetResult();
        }
    }

    private void HandleChildTerminated(IActorRef child)
    {
        if (_children.TryGetValue(child.Path.Name, out var e) && e.Child.Equals(child))
        {
            _children.TryRemove(child.Path.Name, out _);
        }
        if (_terminating)
        {
            if (_children.IsEmpty)
            {
                FinishTerminate();
            }
        }
        else if (_pendingRecreate is not null && !_children.Values.Any(x => x.Terminating))
        {
            var cause = _pendingRecreate;
            _pendingRecreate = null;
            FinishRecreate(cause);
        }
    }

    // ---------------------------------------------------------------- context API

    public IActorRef ActorOf(Props props, string? name = null) => MakeChild(props, name, validateName: true);

    internal LocalActorRef MakeChild(Props props, string? name, bool validateName)
    {
        ArgumentNullException.ThrowIfNull(props);
        props.Validate();
        if (name is null)
        {
            name = "$" + Base64(Interlocked.Increment(ref _nameCounter));
        }
        else if (validateName && !ActorPath.IsValidPathElement(name))
        {
            throw new InvalidActorNameException(
                $"Invalid actor path element [{name}]: must be non-empty, not start with '$', and contain only ASCII letters, digits and -_.*$+:@&=,!~';()");
        }
        if (_terminating || _isTerminated)
        {
            throw new InvalidOperationException($"Cannot create child [{name}]: {SelfRef.Path} is terminating.");
        }
        var uid = Random.Shared.NextInt64(1, long.MaxValue);
        var cell = new ActorCell(System, props, SelfRef, SelfRef.Path.Child(name).WithUid(uid));
        var entry = new ChildEntry(cell.SelfRef);
        if (!_children.TryAdd(name, entry))
        {
            throw new InvalidActorNameException($"Actor name [{name}] is not unique!");
        }
        cell.SendSystemMessage(new Create());
        if (_terminating)
        {
            // raced with this actor's stop (ActorOf from another thread): stop the late child as well
            entry.Terminating = true;
            cell.SelfRef.Stop();
        }
        return cell.SelfRef;
    }

    private static string Base64(long n)
    {
        Span<char> buf = stackalloc char[12];
        var i = buf.Length;
        do
        {
            buf[--i] = NameChars[(int)(n & 63)];
            n >>= 6;
        }
        while (n != 0);
        return new string(buf[i..]);
    }

    public ActorSelection ActorSelection(string path) => Actors.ActorSelection.Parse(System, SelfRef, path);

    public IActorRef Child(string name) => _children.TryGetValue(name, out var e) && !e.Terminating ? e.Child : ActorRefs.Nobody;

    public IActorRef Watch(IActorRef subject)
    {
        if (subject is not InternalActorRef target)
        {
            throw new ArgumentException($"Cannot watch {subject}: not a runtime ref.", nameof(subject));
        }
        if (subject.Equals(SelfRef))
        {
            return subject;
        }
        if ((_watching ??= []).Add(subject))
        {
            target.SendSystemMessage(new Watch(target, SelfRef));
        }
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        if (subject is InternalActorRef target && _watching is not null && _watching.Remove(subject))
        {
            target.SendSystemMessage(new Unwatch(target, SelfRef));
        }
        return subject;
    }

    public void Stop(IActorRef child)
    {
        if (child.Equals(SelfRef))
        {
            // processed right after the current message
            SendSystemMessage(new Terminate());
            return;
        }
        if (_children.TryGetValue(child.Path.Name, out var e) && e.Child.Equals(child))
        {
            e.Terminating = true;
        }
        if (child is InternalActorRef ir)
        {
            ir.SendSystemMessage(new Terminate());
        }
    }

    public void Become(Receive receive)
    {
        _behavior = receive;
        _behaviorStack?.Clear();
    }

    public void BecomeStacked(Receive receive)
    {
        (_behaviorStack ??= new Stack<Receive>()).Push(_behavior ?? (m => _actor!.InvokeReceive(m)));
        _behavior = receive;
    }

    public void UnbecomeStacked()
    {
        if (_behaviorStack is { Count: > 0 })
        {
            _behavior = _behaviorStack.Pop();
        }
        else if (_actor is not null)
        {
            _behavior = _actor.InvokeReceive;
        }
    }

    public ILoggingAdapter GetLogger() =>
        _log ??= new BusLogging(System.EventStream, SelfRef.Path.ToString(), Props.ActorType, System.Settings.LogLevel);
}
