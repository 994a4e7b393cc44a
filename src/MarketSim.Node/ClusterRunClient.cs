using System.Text.Json;
using System.Threading.Channels;
using MarketSim.Actors;
using MarketSim.Cluster;
using MarketSim.Hocon;
using MarketSim.Markets.Run;
using MarketSim.Markets.Scenarios;
using RabbitMQ.Client;

namespace MarketSim.Node;

/// <summary>Thrown when a run cannot be submitted (no broker, no coordinator node).</summary>
public sealed class ClusterRunException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// <c>marketsim run SCENARIO --cluster hocon/node.conf</c>: submits a prepared run to the cluster's run queue and waits
/// for its coordinator's progress and result. The client is a node of the cluster's transport (it has an address for
/// replies) but not a member: it never counts in membership or downing. If the coordinator's node dies, the run moves
/// to another coordinator node, which reports to this same client.
/// </summary>
public static class ClusterRunClient
{
    private sealed record Incoming(object Message, IActorRef Sender);

    private sealed class ClientActor : ReceiveActor
    {
        public ClientActor(ChannelWriter<Incoming> writer) => ReceiveAny(m => writer.TryWrite(new Incoming(m, Sender)));
    }

    /// <summary>The PostgreSQL schema of a cluster run: <c>run_</c> and the run id, lower-case, at most 63 characters.</summary>
    public static string SchemaFor(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var chars = ("run_" + runId).ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_').ToArray();
        var schema = new string(chars);
        return schema.Length <= 63 ? schema : schema[..63];
    }

    /// <summary>
    /// Submits <paramref name="prepared"/> (its folder is this client's record of the run) to the cluster that
    /// <paramref name="config"/> names and waits for the result. Ctrl-C (<paramref name="cancel"/>) asks the coordinator to
    /// stop after the current interval.
    /// </summary>
    public static async Task<RunFinished> RunAsync(PreparedRun prepared, string runId, Config config, Action<RunProgressUpdate>? progress, Action<string>? warning, CancellationToken cancel)
        => await RunAsync(prepared, runId, config, progress, warning, TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false);

    /// <summary>As above; <paramref name="quietAfter"/>: after this long without news, <paramref name="warning"/> says so (and again each time it passes).</summary>
    public static async Task<RunFinished> RunAsync(PreparedRun prepared, string runId, Config config, Action<RunProgressUpdate>? progress, Action<string>? warning, TimeSpan quietAfter, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(config);
        var settings = ClusterSettings.FromConfig(config) with { Roles = [] };
        var systemSettings = ActorSystemSettings.Default with { StdoutLogLevel = MarketSim.Actors.Event.LogLevel.ErrorLevel, LogDeadLetters = 0 };
        var system = ActorSystem.Create("marketsim-client", systemSettings);
        ClusterNode? node = null;
        try
        {
            try
            {
                node = await ClusterNode.StartAsync(system, NodeMessages.Registry(), settings, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or System.Net.Sockets.SocketException)
            {
                throw new ClusterRunException($"cannot reach the broker of cluster {settings.ClusterName} at {Redacted(settings.AmqpUri)}: {e.Message}", e);
            }

            var inbox = Channel.CreateUnbounded<Incoming>();
            system.ActorOf(Props.Create(() => new ClientActor(inbox.Writer)), "run-client");
            var clientPath = node.Address + NodeMessages.RunClientPath;
            var queue = NodeMessages.RunQueueFor(settings.ClusterName);
            await using (var channel = await node.Connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancel).ConfigureAwait(false))
            {
                var declared = await RunService.DeclareRunQueueAsync(channel, queue, cancel).ConfigureAwait(false);
                if (declared.ConsumerCount == 0)
                {
                    throw new ClusterRunException($"no coordinator node is taking runs in cluster {settings.ClusterName} (queue {queue} has no consumer): start one with marketsim node --config hocon/node.conf --roles coordinator,validator");
                }

                var hocon = ScenarioRenderer.ToHocon(prepared.Scenario);
                var submission = new RunSubmission(RunSubmission.CurrentFormat, runId, hocon, prepared.Scenario.Persistence.PostgresSchema, clientPath);
                var body = JsonSerializer.SerializeToUtf8Bytes(submission, NodeJsonContext.Default.RunSubmission);
                var props = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = runId };
                await channel.BasicPublishAsync("", queue, mandatory: true, basicProperties: props, body: body, cancellationToken: cancel).ConfigureAwait(false);
            }

            IActorRef? coordinator = null;
            var cancelSent = false;
            using var registration = cancel.Register(() => inbox.Writer.TryWrite(new Incoming(new CancelRun(runId), ActorRefs.Nobody)));
            while (true)
            {
                Incoming item;
                using (var quiet = new CancellationTokenSource(quietAfter))
                {
                    try
                    {
                        item = await inbox.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (quiet.IsCancellationRequested)
                    {
                        warning?.Invoke(coordinator is null
                            ? $"no coordinator has started run {runId} after {quietAfter.TotalSeconds:F0} s (it waits in {queue} until a coordinator node is free)"
                            : $"no news from the coordinator for {quietAfter.TotalSeconds:F0} s (if its node died, the run moves to another coordinator node; it waits in {queue} until one is up)");
                        continue;
                    }
                }

                switch (item.Message)
                {
                    case CancelRun c when !cancelSent:
                        cancelSent = true;
                        if (coordinator is not null)
                        {
                            coordinator.Tell(c, ActorRefs.Nobody);
                        }

                        break;
                    case RunProgressUpdate p when p.RunId == runId:
                        coordinator = item.Sender;
                        if (cancelSent)
                        {
                            coordinator.Tell(new CancelRun(runId), ActorRefs.Nobody);
                        }

                        progress?.Invoke(p);
                        break;
                    case RunWarning w when w.RunId == runId:
                        warning?.Invoke(w.Message);
                        break;
                    case RunFinished f when f.RunId == runId:
                        return f;
                }
            }
        }
        finally
        {
            if (node is not null)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }

            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static string Redacted(Uri uri) => uri.UserInfo.Length == 0 ? uri.ToString() : uri.ToString().Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal);
}
