using System.Text.Json;
using MarketSim.Actors;
using MarketSim.Actors.Event;
using MarketSim.Cluster;
using MarketSim.Markets.Run;
using MarketSim.Markets.Scenarios;
using MarketSim.Markets.Summary;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace MarketSim.Node;

/// <summary>
/// A coordinator node's run service. Every coordinator node consumes the cluster's durable run queue
/// (<see cref="NodeMessages.RunQueueFor"/>) with RabbitMQ's single-active-consumer and a prefetch of one, so one node
/// plays each submitted run; the submission stays unacknowledged until the run ends. If that node dies, the broker
/// hands the submission to the next coordinator node, which resumes the run from its PostgreSQL journal (replaying and
/// verifying what is stored, then writing on). A session advisory lock on the run's schema keeps two coordinators from
/// ever writing one journal. Runs are played with <see cref="ScenarioRunner"/>, the miner shards through a
/// <see cref="ShardRegionActor"/>, validators in this process.
/// </summary>
public sealed class RunService : IAsyncDisposable
{
    private readonly ClusterMembership _membership;
    private readonly ClusterNode _node;
    private readonly NodeSettings _settings;
    private readonly string? _connectionString;
    private readonly IChannel _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly IActorRef _actor;
    private readonly Lock _lock = new();
    private Task _running = Task.CompletedTask;
    private CancellationTokenSource? _cancelRun;
    private int _regions;

    private RunService(ClusterMembership membership, NodeSettings settings, string? connectionString, IChannel channel)
    {
        _membership = membership;
        _node = membership.Node;
        _settings = settings;
        _connectionString = connectionString;
        _channel = channel;
        _actor = _node.System.ActorOf(Props.Create(() => new RunServiceActor(this)), "runs");
    }

    /// <summary>The run being played here (null when none).</summary>
    public RunTracker? Current { get; private set; }

    /// <summary>Runs this node finished (complete, failed or interrupted).</summary>
    public int Finished { get; private set; }

    /// <summary>Starts consuming the run queue.</summary>
    public static async Task<RunService> StartAsync(ClusterMembership membership, NodeSettings settings, string? connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentNullException.ThrowIfNull(settings);
        var channel = await membership.Node.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var queue = NodeMessages.RunQueueFor(membership.SelfAddress.ClusterName);
        await DeclareRunQueueAsync(channel, queue, cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 1, false, cancellationToken).ConfigureAwait(false);
        var service = new RunService(membership, settings, connectionString, channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += service.OnSubmissionAsync;
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        membership.Node.System.Log.Info("Run service on {0}: consuming {1} (single active consumer)", membership.SelfAddress, queue);
        return service;
    }

    /// <summary>Declares the run queue (durable, single active consumer); clients and coordinators declare it alike.</summary>
    public static Task<QueueDeclareOk> DeclareRunQueueAsync(IChannel channel, string queue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var arguments = new Dictionary<string, object?> { ["x-single-active-consumer"] = true };
        return channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken);
    }

    private Task OnSubmissionAsync(object sender, BasicDeliverEventArgs ea)
    {
        RunSubmission? submission = null;
        try
        {
            submission = JsonSerializer.Deserialize(ea.Body.Span, NodeJsonContext.Default.RunSubmission);
        }
        catch (JsonException)
        {
            // reported below
        }

        var tag = ea.DeliveryTag;
        if (submission is null || submission.Format != RunSubmission.CurrentFormat || string.IsNullOrEmpty(submission.RunId))
        {
            _node.System.Log.Error("Run service: dropping a malformed run submission ({0} bytes)", ea.Body.Length);
            return _channel.BasicRejectAsync(tag, requeue: false).AsTask();
        }

        _running = Task.Factory.StartNew(() => Play(submission, ea.Redelivered, tag), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private void Play(RunSubmission submission, bool redelivered, ulong tag)
    {
        var log = _node.System.Log;
        var client = _node.RemoteRef(submission.ClientPath);
        RunFinished? finished;
        try
        {
            finished = PlayCore(submission, redelivered, client);
        }
        catch (Exception e)
        {
            log.Error(e, "Run {0} failed on {1}", submission.RunId, _membership.SelfAddress);
            finished = new RunFinished(submission.RunId, _membership.SelfAddress.ToString(), "failed", e.Message, 0, 0, null, null, null, null, 0, 0);
        }

        try
        {
            if (finished is null)
            {
                // this node is stopping: the next coordinator node resumes the run from the journal
                _channel.BasicNackAsync(tag, multiple: false, requeue: true).AsTask().GetAwaiter().GetResult();
                log.Info("Run {0}: handed back to the run queue (this node is stopping)", submission.RunId);
                return;
            }

            client.Tell(finished, _actor);
            _channel.BasicAckAsync(tag, multiple: false).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or ObjectDisposedException)
        {
            log.Warning("Run {0}: could not settle the submission ({1}); the broker redelivers it to another coordinator", submission.RunId, e.Message);
        }
    }

    /// <summary>Plays the run; null when this node is stopping and the run goes back to the queue.</summary>
    private RunFinished? PlayCore(RunSubmission submission, bool redelivered, RemoteActorRef client)
    {
        var log = _node.System.Log;
        var self = _membership.SelfAddress.ToString();
        if (string.IsNullOrEmpty(_connectionString))
        {
            throw new InvalidOperationException($"coordinator {self} has no PostgreSQL journal: set marketsim.persistence.postgres.connection-string or MARKETSIM_POSTGRES");
        }

        var loaded = ScenarioLoader.LoadString(submission.ScenarioHocon, "run " + submission.RunId);
        var scenario = loaded with { Persistence = new PersistenceSettings("postgres", _connectionString, submission.Schema) };
        using var journalLock = AcquireRunLock(submission, log);
        if (journalLock is null)
        {
            return null;
        }

        var folder = RunFolder.Create(_settings.RunsDir, scenario.Name, DateTimeOffset.UtcNow);
        folder.WriteScenario(scenario);
        var stored = StoredEvents(scenario, folder);
        var tracker = new RunTracker(submission.RunId, scenario, folder.Path, stored > 0);
        log.Info("Run {0} ({1}) on {2}: {3}; folder {4}, journal schema {5}", submission.RunId, scenario.Name, self,
            stored > 0 ? $"resuming from a journal of {stored} events{(redelivered ? " (redelivered: the previous coordinator is gone)" : string.Empty)}" : "starting", folder.Path, submission.Schema);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        lock (_lock)
        {
            Current = tracker;
            _cancelRun = cancel;
        }

        // miner nodes get the scenario with its deployment settings (LLM cache mode and folder); passwords are never rendered
        var forMiners = ScenarioRenderer.ToHocon(scenario);
        IActorRef? region = null;
        var lastProgress = 0L;
        var options = new RunOptions(
            cancel.Token,
            p =>
            {
                tracker.Progress = p;
                var now = Environment.TickCount64;
                if (now - lastProgress >= 250 || p.Interval == p.TotalIntervals)
                {
                    lastProgress = now;
                    client.Tell(new RunProgressUpdate(submission.RunId, self, p.Interval, p.TotalIntervals, p.EventsResolved, p.TotalEvents, p.Predictions, p.Replaying), _actor);
                }
            },
            w => client.Tell(new RunWarning(submission.RunId, w), _actor))
        {
            ShardRegion = coordinator => region = _node.System.ActorOf(
                Props.Create(() => new ShardRegionActor(submission.RunId, forMiners, scenario, _membership, coordinator, tracker, _settings.PlacementCheckInterval)),
                "region-" + Interlocked.Increment(ref _regions).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        RunOutcome outcome;
        try
        {
            outcome = ScenarioRunner.Run(new PreparedRun(scenario, folder, Resume: true), options);
        }
        finally
        {
            if (region is not null)
            {
                _node.System.Stop(region);
            }

            lock (_lock)
            {
                _cancelRun = null;
            }
        }

        tracker.State = outcome.State.ToString().ToLowerInvariant();
        Finished++;
        if (outcome.State == RunState.Interrupted && _stop.IsCancellationRequested)
        {
            return null;
        }

        string? report = null;
        if (outcome.Summary is { } summary)
        {
            using var text = new StringWriter();
            SummaryWriter.WriteReport(text, summary, scenario.World.Kind == "polymarket");
            report = text.ToString();
        }

        log.Info("Run {0} {1} on {2}: {3} intervals, {4} predictions, {5} shard messages, {6} shard moves", submission.RunId, tracker.State, self, outcome.Intervals, outcome.Predictions, tracker.Messages, tracker.Moves);
        return new RunFinished(submission.RunId, self, tracker.State, outcome.Error?.Message, outcome.Intervals, outcome.Predictions, outcome.LastInterval,
            File.Exists(folder.SummaryJsonFile) ? File.ReadAllBytes(folder.SummaryJsonFile) : null,
            File.Exists(folder.SummaryMarkdownFile) ? File.ReadAllText(folder.SummaryMarkdownFile) : null,
            report, tracker.Messages, scenario.ShardCount);
    }

    /// <summary>Events the run's journal already holds (0 when the schema is new).</summary>
    private static long StoredEvents(Scenario scenario, RunFolder folder)
    {
        try
        {
            using var reader = MarketSim.Markets.Journal.RunJournals.OpenReader(scenario, folder);
            return reader.MaxOrdering();
        }
        catch (Exception e) when (e is NpgsqlException or PostgresException or InvalidOperationException or IOException)
        {
            return 0;
        }
    }

    /// <summary>A session advisory lock on the run's schema, held while this node writes its journal; null when this node stops first.</summary>
    private NpgsqlConnection? AcquireRunLock(RunSubmission submission, ILoggingAdapter log)
    {
        var connection = new NpgsqlConnection(MarketSim.Markets.Journal.RunJournals.ConnectionString(_connectionString!));
        try
        {
            connection.Open();
            var waiting = false;
            while (!_stop.IsCancellationRequested)
            {
                using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@s, 7311))", connection);
                cmd.Parameters.AddWithValue("s", "marketsim.run." + submission.Schema);
                if (cmd.ExecuteScalar() is true)
                {
                    return connection;
                }

                if (!waiting)
                {
                    waiting = true;
                    log.Warning("Run {0}: another coordinator still holds the journal of schema {1}; waiting for it to end", submission.RunId, submission.Schema);
                }

                _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        connection.Dispose();
        return null;
    }

    internal void Cancel(string runId)
    {
        lock (_lock)
        {
            if (Current?.RunId == runId && _cancelRun is { } cts)
            {
                _node.System.Log.Info("Run {0}: cancelled by its client; stopping after the current interval", runId);
                cts.Cancel();
            }
        }
    }

    /// <summary>Stops taking runs; a run in progress is interrupted and handed back to the queue for another coordinator.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _node.System.Log.Warning("Run service: the run did not stop within 30 s");
        }

        try
        {
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or ObjectDisposedException)
        {
            // connection already gone
        }

        _channel.Dispose();
        _node.System.Stop(_actor);
        _stop.Dispose();
    }

    private sealed class RunServiceActor : ReceiveActor
    {
        public RunServiceActor(RunService service) => Receive<CancelRun>(c => service.Cancel(c.RunId));
    }
}
