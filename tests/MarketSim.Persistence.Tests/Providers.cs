namespace MarketSim.Persistence.Tests;

public sealed class SqliteJournalSpec() : JournalSpec(new SqliteStoreFactory());

public sealed class SqliteSnapshotStoreSpec() : SnapshotStoreSpec(new SqliteStoreFactory());

[Trait("Category", "Postgres")]
public sealed class PostgresJournalSpec() : JournalSpec(new PostgresStoreFactory());

[Trait("Category", "Postgres")]
public sealed class PostgresSnapshotStoreSpec() : SnapshotStoreSpec(new PostgresStoreFactory());
