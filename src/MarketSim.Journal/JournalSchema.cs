namespace MarketSim.Journal;

/// <summary>
/// DDL of the SQLite journal: Akka.Persistence.Sql's <c>sqlite</c> table layout (= legacy Akka.Persistence.Sqlite)
/// plus its tag table, so the persistence module can take the file over (docs/persistence.md).
/// </summary>
public static class JournalSchema
{
    /// <summary>Recorded in <c>PRAGMA user_version</c>.</summary>
    public const int Version = 1;

    /// <summary>Recorded in <c>PRAGMA application_id</c> ("MSIM").</summary>
    public const int ApplicationId = 0x4D53494D;

    /// <summary>The tables: the persistence module's SQLite journal DDL, so both read and write the same layout.</summary>
    public const string Ddl = MarketSim.Persistence.Sqlite.SqliteJournal.JournalDdl;
}
