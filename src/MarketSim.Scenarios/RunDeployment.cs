using MarketSim.Simulation.Scenarios;

namespace MarketSim.Scenarios;

/// <summary>
/// How a run is deployed on this host: worker threads and where its journal lives. Read from the same files as the
/// scenario (<c>marketsim.parallelism</c>, <c>marketsim.persistence</c>) but not part of it: none of it ever changes a
/// result, so two runs of one <see cref="Scenario"/> with different deployments give byte-identical journals.
/// </summary>
/// <param name="Parallelism">Worker threads of the miner shards (<c>marketsim.parallelism</c>).</param>
/// <param name="Persistence">Where the journal lives (<c>marketsim.persistence</c>).</param>
public sealed record RunDeployment(int Parallelism, PersistenceSettings Persistence)
{
    /// <summary>What the journal's copy of a scenario records: one worker, SQLite (deployment never changes results).</summary>
    public static RunDeployment Neutral { get; } = new(1, PersistenceSettings.Default);
}

/// <summary>A scenario and the deployment read with it.</summary>
/// <param name="Scenario">The scenario: everything results depend on.</param>
/// <param name="Deployment">Parallelism and journal backend.</param>
public sealed record LoadedScenario(Scenario Scenario, RunDeployment Deployment);

/// <summary>
/// Where a run's journal lives (<c>marketsim.persistence</c>, docs/persistence.md). A deployment choice like
/// parallelism: the journal's contents, and so every result, are the same on either backend.
/// </summary>
/// <param name="Journal">sqlite (journal.db in the run folder) or postgres.</param>
/// <param name="PostgresConnectionString">Npgsql connection string (postgres only).</param>
/// <param name="PostgresSchema">Schema holding the run's tables; empty = derived from the run folder's name.</param>
public sealed record PersistenceSettings(string Journal, string PostgresConnectionString, string PostgresSchema)
{
    /// <summary>The embedded default: SQLite in the run folder.</summary>
    public static PersistenceSettings Default { get; } = new("sqlite", string.Empty, string.Empty);

    /// <summary>True for the PostgreSQL backend.</summary>
    public bool IsPostgres => Journal == "postgres";
}
