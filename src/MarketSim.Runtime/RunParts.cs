using Akka.Actor;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Run;

namespace MarketSim.Runtime;

/// <summary>Makes the actors of a run under its coordinator (the default makes real children; protocol specs put probes in).</summary>
internal interface IRunParts
{
    /// <summary>The actor of a miner shard, on <paramref name="dispatcher"/> (null = the default dispatcher).</summary>
    IActorRef Shard(IUntypedActorContext context, IShardModel model, string name, string? dispatcher);

    /// <summary>The actor of validator <paramref name="index"/>, owner of the stream <paramref name="persistenceId"/>.</summary>
    IActorRef Validator(IUntypedActorContext context, int index, ValidatorState state, string name, string persistenceId, RunStreams streams);

    /// <summary>The market maker's actor, owner of the <c>marketmaker</c> stream.</summary>
    IActorRef MarketMaker(IUntypedActorContext context, RunMarketMaker model, string name, RunStreams streams);
}

/// <summary>The real children: <see cref="MinerShardActor"/>, <see cref="ValidatorActor"/>, <see cref="MarketMakerActor"/>.</summary>
internal sealed class RunParts : IRunParts
{
    public static RunParts Default { get; } = new();

    public IActorRef Shard(IUntypedActorContext context, IShardModel model, string name, string? dispatcher)
    {
        var props = MinerShardActor.Props(model);
        return context.ActorOf(dispatcher is null ? props : props.WithDispatcher(dispatcher), name);
    }

    public IActorRef Validator(IUntypedActorContext context, int index, ValidatorState state, string name, string persistenceId, RunStreams streams) =>
        context.ActorOf(ValidatorActor.Props(index, state, persistenceId, streams), name);

    public IActorRef MarketMaker(IUntypedActorContext context, RunMarketMaker model, string name, RunStreams streams) =>
        context.ActorOf(MarketMakerActor.Props(model, streams), name);
}

/// <summary>
/// One miner shard: on <see cref="IntervalOpened"/> it computes its batch and replies with one <see cref="ShardAnswered"/>.
/// Shards run on the run's shard dispatcher, whose thread count is the run's parallelism. A shard whose answers wait on
/// I/O (LLM miners) never blocks: it starts the request and pipes the batch back to itself, answering when it arrives
/// (the coordinator's barrier guarantees one interval at a time). A failure is thrown: the coordinator's supervisor
/// strategy stops the shard and fails the run naming it.
/// </summary>
internal sealed class MinerShardActor : ReceiveActor
{
    private readonly IShardModel _model;

    public MinerShardActor(IShardModel model)
    {
        _model = model;
        Receive<IntervalOpened>(m =>
        {
            if (!_model.AnswersAsynchronously)
            {
                Sender.Tell(new ShardAnswered(_model.Answer(m)), Self);
                return;
            }

            var replyTo = Sender;
            _model.AnswerAsync(m, CancellationToken.None).PipeTo(Self, Self, b => new Answered(b, replyTo), e => new AnswerFailed(e));
        });
        Receive<Answered>(a => a.ReplyTo.Tell(new ShardAnswered(a.Batch), Self));
        Receive<AnswerFailed>(f => throw new ShardFailedException(f.Error.GetBaseException().Message, f.Error));
    }

    public static Props Props(IShardModel model) => Akka.Actor.Props.Create(() => new MinerShardActor(model));

    protected override void PostStop() => (_model as IDisposable)?.Dispose();

    /// <summary>Private self-message: the asynchronous batch is ready.</summary>
    private sealed record Answered(PredictionBatch Batch, IActorRef ReplyTo);

    /// <summary>Private self-message: the asynchronous batch failed.</summary>
    private sealed record AnswerFailed(Exception Error);
}

/// <summary>An asynchronous shard answer failed.</summary>
internal sealed class ShardFailedException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// One validator and the owner of its score stream (<c>validator-name</c>): one <see cref="ValidatorStep"/> in, one
/// <see cref="ValidatorStepDone"/> out, per interval. It records the step's score events itself and confirms them to
/// the coordinator with <see cref="Recorded"/> once they are in the journal; the ack does not wait for the write.
/// </summary>
internal sealed class ValidatorActor : RunStreamActor
{
    public ValidatorActor(int index, ValidatorState state, string persistenceId, RunStreams streams)
        : base(persistenceId, streams, streams.RecordsPerWrite)
    {
        Command<ValidatorStep>(m =>
        {
            var before = state.Rejected;
            var rejections = new List<RejectedAnswer>();
            var events = state.Step(m, rejections);
            var coordinator = Sender;
            Record(events, m.Time.UtcTicks, () => coordinator.Tell(new Recorded(PersistenceId), Self));
            coordinator.Tell(new ValidatorStepDone(index, events, rejections, state.Rejected - before), Self);
        });
    }

    public static Props Props(int index, ValidatorState state, string persistenceId, RunStreams streams) =>
        Akka.Actor.Props.Create(() => new ValidatorActor(index, state, persistenceId, streams));
}

/// <summary>
/// The run's market maker (LMSR or the replay's real prices) and the owner of the <c>marketmaker</c> stream: quotes,
/// then trades and settles, once per interval; it records the settlements (MarketSettled) and confirms them with
/// <see cref="Recorded"/>.
/// </summary>
internal sealed class MarketMakerActor : RunStreamActor
{
    public MarketMakerActor(RunMarketMaker model, RunStreams streams)
        : base(JournalIds.MarketMaker, streams, streams.RecordsPerWrite)
    {
        Command<QuoteRequest>(m => Sender.Tell(model.Quote(m), Self));
        Command<TradeRequest>(m =>
        {
            var traded = model.Trade(m);
            var coordinator = Sender;
            Record([.. traded.Settled], m.Time.UtcTicks, () => coordinator.Tell(new Recorded(PersistenceId), Self));
            coordinator.Tell(traded, Self);
        });
    }

    public static Props Props(RunMarketMaker model, RunStreams streams) => Akka.Actor.Props.Create(() => new MarketMakerActor(model, streams));
}
