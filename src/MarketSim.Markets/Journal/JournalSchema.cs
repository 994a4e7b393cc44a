namespace MarketSim.Markets.Journal;

/// <summary>
/// DDL of the SQLite journal: Akka.Persistence.Sql's <c>sqlite</c> table layout (= legacy Akka.Persistence.Sqlite)
/// plus its tag table, so the persistence module can take the file over (shared/spec/akka-conventions.md §3.2).
/// </summary>
public static class JournalSchema
{
    /// <summary>Recorded in <c>PRAGMA user_version</c>.</summary>
    public const int Version = 1;

    /// <summary>Recorded in <c>PRAGMA application_id</c> ("MSIM").</summary>
    public const int ApplicationId = 0x4D53494D;

    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS event_journal (
          ordering INTEGER PRIMARY KEY NOT NULL,
          persistence_id VARCHAR(255) NOT NULL,
          sequence_nr INTEGER(8) NOT NULL,
          is_deleted INTEGER(1) NOT NULL,
          manifest VARCHAR(255) NULL,
          timestamp INTEGER NOT NULL,
          payload BLOB NOT NULL,
          tags VARCHAR(2000) NULL,
          serializer_id INTEGER(4),
          UNIQUE (persistence_id, sequence_nr)
        );
        CREATE TABLE IF NOT EXISTS journal_metadata (
          persistence_id VARCHAR(255) NOT NULL,
          sequence_nr INTEGER(8) NOT NULL,
          PRIMARY KEY (persistence_id, sequence_nr)
        );
        CREATE TABLE IF NOT EXISTS tags (
          ordering_id INTEGER NOT NULL,
          tag VARCHAR(64) NOT NULL,
          persistence_id VARCHAR(255) NOT NULL,
          sequence_nr INTEGER(8) NOT NULL,
          PRIMARY KEY (ordering_id, tag)
        );
        CREATE INDEX IF NOT EXISTS ix_tags_tag ON tags (tag, ordering_id);
        """;
}
