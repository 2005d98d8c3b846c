import CSQLite
import CSQLiteWriteBuffer
import JetStream

#if canImport(Glibc)
import Glibc
#endif

/// All file-stored streams in one SQLite database (`<directory>/outpost.db`), in WAL mode.
///
/// Writes are grouped: the engine opens a batch, appends and removes for every stream, then
/// commits once; with the default ``SyncPolicy/always`` a promised commit ends with an fsync of
/// the WAL, so a PubAck sent after it means the message survives a power cut.
public final class SQLiteStorageEngine: StorageEngine, @unchecked Sendable {
    /// When committed data reaches the disk.
    public enum SyncPolicy: Sendable, Equatable {
        /// Every promised commit is synced: what was acknowledged survives a power cut.
        case always
        /// Commits are not synced (`synchronous=NORMAL`): they survive a crash of the process
        /// (the data is in the operating system's cache), and the WAL is checkpointed and synced at
        /// most this often by ``periodicSync()``. A power cut can lose what was acknowledged since
        /// the last sync — the risk nats-server takes by default with its two-minute interval.
        case interval(Duration)
    }

    /// Replaced only after a commit's WAL frames failed to reach the file (`reopenAfterLostFrames`).
    private(set) var connection: SQLiteConnection
    let sync: SyncPolicy
    private let maximumBytes: Int?
    private let cacheBytes: Int
    private var stores: [String: SQLiteStreamStore] = [:]
    private var inBatch = false
    private var lastSync = ContinuousClock.now

    /// The schema version this build writes (`user_version`); older databases are migrated.
    static let schemaVersion = 2

    /// Version 1: every stream's messages in one table keyed by (stream, seq). Kept as it was
    /// written, since a database of that version is brought forward from it.
    static let schemaVersion1 = """
        CREATE TABLE streams(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, config BLOB NOT NULL);
        CREATE TABLE subjects(stream INTEGER NOT NULL, id INTEGER NOT NULL, subject TEXT NOT NULL, PRIMARY KEY(stream, id)) WITHOUT ROWID;
        CREATE UNIQUE INDEX subjects_by_name ON subjects(stream, subject);
        CREATE TABLE messages(stream INTEGER NOT NULL, seq INTEGER NOT NULL, subject INTEGER NOT NULL, ts INTEGER NOT NULL, hdr BLOB, data BLOB NOT NULL, PRIMARY KEY(stream, seq)) WITHOUT ROWID;
        CREATE INDEX messages_by_subject ON messages(stream, subject, seq);
        CREATE TABLE consumers(stream INTEGER NOT NULL, name TEXT NOT NULL, config BLOB NOT NULL, state BLOB NOT NULL, PRIMARY KEY(stream, name)) WITHOUT ROWID;
        """

    /// Brings the schema from `version - 1` to `version`, inside the caller's transaction.
    private static func migrate(to version: Int, on connection: SQLiteConnection) throws(StoreError) {
        switch version {
        case 1:
            try connection.execute(schemaVersion1)
        case 2:
            // Version 2: a table per stream (see `SQLiteStreamStore`). Rows are copied in
            // sequence order, and each index built after its table is full, which is cheaper.
            let streams = try connection.statement("SELECT id FROM streams ORDER BY id")
            var ids: [Int64] = []
            while try connection.step(streams) { ids.append(connection.int64(streams, 0)) }
            for id in ids {
                try SQLiteStreamStore.createMessagesTable(id, on: connection)
                try connection.execute(
                    "INSERT INTO \(SQLiteStreamStore.messagesTable(id))(seq, subject, ts, hdr, data) SELECT seq, subject, ts, hdr, data FROM messages WHERE stream=\(id) ORDER BY seq"
                )
                try SQLiteStreamStore.createSubjectIndex(id, on: connection)
            }
            try connection.execute("DROP TABLE messages")
        default:
            preconditionFailure("no migration to schema \(version)")
        }
    }

    /// The page size of a new database. A commit writes every page it changed, whole, to the
    /// WAL: storing one message changes about three (the table's last leaf, the subject index's,
    /// now and then a parent), so small pages make small commits cheap. Measured with this
    /// schema (20,000 messages of 128 bytes): one message per commit wrote 10,882 WAL bytes per
    /// message with 4 KiB pages and 4,198 with 1 KiB; 64 per commit 732 and 409; the database
    /// itself 182 bytes per message with either. Fewer bytes is less wear on an SD card and less
    /// for each checkpoint to sync. A database made with another size keeps it.
    public static let newDatabasePageSize = 1024

    /// The WAL is checkpointed (and truncated back) when it reaches this many bytes, whatever
    /// the page size (SQLite counts pages: its default of 1,000 pages was 4 MiB with 4 KiB pages).
    static let checkpointBytes = 4 * 1024 * 1024

    /// SQLite's page cache unless configured: 2 MiB.
    public static let defaultCacheBytes = 2 * 1024 * 1024

    /// - Parameters:
    ///   - directory: where `outpost.db` lives (created by the caller).
    ///   - maximumBytes: a size cap, for tests of a full disk (SQLite's `max_page_count`).
    ///   - cacheBytes: SQLite's page cache (`jetstream { sqlite_cache }`): memory traded for reads
    ///     of older messages from the disk.
    public init(
        directory: String, sync: SyncPolicy = .always, maximumBytes: Int? = nil, cacheBytes: Int = SQLiteStorageEngine.defaultCacheBytes
    ) throws(StoreError) {
        self.sync = sync
        self.maximumBytes = maximumBytes
        self.cacheBytes = cacheBytes
        connection = try Self.openConnection(path: directory + "/outpost.db", maximumBytes: maximumBytes, cacheBytes: cacheBytes)
        do throws(StoreError) {
            try migrate()
        } catch {
            connection.close()
            throw error
        }
    }

    /// Opens the database and sets it up (pages, locking, WAL, checkpoints, cache).
    private static func openConnection(path: String, maximumBytes: Int?, cacheBytes: Int) throws(StoreError) -> SQLiteConnection {
        // WAL frames reach the file in one write per commit (see `commitBatch`).
        let connection = try SQLiteConnection(path: path, vfs: outpost_wal_buffer_vfs())
        do throws(StoreError) {
            // Only a database without a page yet takes it (before WAL mode, which writes one).
            try connection.execute("PRAGMA page_size=\(Self.newDatabasePageSize)")
            // One process owns the store (the directory is locked): exclusive locking spares the
            // file locks of every transaction and keeps the WAL index in memory, not in a -shm file.
            try connection.execute("PRAGMA locking_mode=EXCLUSIVE")
            // The WAL is what promised commits sync (`syncWriteAheadLog`): it must be on.
            let mode = try connection.statement("PRAGMA journal_mode=WAL")
            guard try connection.step(mode), connection.text(mode, 0).lowercased() == "wal" else {
                sqlite3_reset(mode)
                throw StoreError(.io, "\(connection.path): SQLite would not switch to WAL mode")
            }
            sqlite3_reset(mode)
            // NORMAL in both policies: with `.always`, promised commits sync the WAL themselves
            // (see `syncWriteAheadLog`).
            try connection.execute("PRAGMA synchronous=NORMAL")
            // The WAL is reused, not grown: checkpointed at 4 MiB, truncated back beyond that.
            let pageSize = max(512, Int(try Self.pragma("page_size", on: connection)))
            try connection.execute("PRAGMA wal_autocheckpoint=\(Self.checkpointBytes / pageSize)")
            try connection.execute("PRAGMA journal_size_limit=\(Self.checkpointBytes)")
            try connection.execute("PRAGMA cache_size=-\(max(64, cacheBytes / 1024))")
            try connection.execute("PRAGMA temp_store=MEMORY")
            if let maximumBytes { try connection.execute("PRAGMA max_page_count=\(maximumBytes / pageSize)") }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private func migrate() throws(StoreError) {
        let statement = try connection.statement("PRAGMA user_version")
        _ = try connection.step(statement)
        let version = Int(connection.int64(statement, 0))
        sqlite3_reset(statement)
        // Reading the schema proves the file is a database at all (a corrupt one fails here).
        let check = try connection.statement("SELECT count(*) FROM sqlite_master")
        _ = try connection.step(check)
        sqlite3_reset(check)
        guard version <= Self.schemaVersion else {
            throw StoreError(.corrupt, "\(connection.path) was written by a newer Outpost (schema \(version))")
        }
        for next in (version + 1)..<(Self.schemaVersion + 1) {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try Self.migrate(to: next, on: connection)
                try connection.execute("PRAGMA user_version=\(next)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    public func openStreams() throws(StoreError) -> [(store: any StreamStore, configuration: [UInt8])] {
        var result: [(store: any StreamStore, configuration: [UInt8])] = []
        let statement = try connection.statement("SELECT id, name, config FROM streams ORDER BY id")
        var rows: [(Int64, String, [UInt8])] = []
        while try connection.step(statement) {
            rows.append((connection.int64(statement, 0), connection.text(statement, 1), connection.bytes(statement, 2) ?? []))
        }
        for (id, name, configuration) in rows {
            let store = try SQLiteStreamStore(engine: self, id: id, name: name)
            stores[name] = store
            result.append((store, configuration))
        }
        return result
    }

    public func createStream(name: String, configuration: [UInt8]) throws(StoreError) -> any StreamStore {
        guard stores[name] == nil else { throw StoreError(.exists, "stream \(name) exists") }
        let ownBatch = !inBatch
        if ownBatch { try beginBatch() }
        do {
            let statement = try connection.statement("INSERT INTO streams(name, config) VALUES (?, ?)")
            connection.bind(statement, 1, name)
            connection.bind(statement, 2, configuration)
            try connection.run(statement)
            let id = sqlite3_last_insert_rowid(connection.handle)
            try SQLiteStreamStore.createMessagesTable(id, on: connection)
            try SQLiteStreamStore.createSubjectIndex(id, on: connection)
            if ownBatch { try commitBatch() }
            let store = try SQLiteStreamStore(engine: self, id: id, name: name)
            stores[name] = store
            return store
        } catch {
            if ownBatch { rollbackBatch() }
            throw error
        }
    }

    public func deleteStream(name: String) throws(StoreError) {
        guard let store = stores[name] else { throw StoreError(.notFound, "stream \(name) not found") }
        let ownBatch = !inBatch
        if ownBatch { try beginBatch() }
        do {
            store.forgetStatements()
            try connection.execute("DROP TABLE \(SQLiteStreamStore.messagesTable(store.id))")
            for sql in ["DELETE FROM subjects WHERE stream=?", "DELETE FROM consumers WHERE stream=?", "DELETE FROM streams WHERE id=?"] {
                let statement = try connection.statement(sql)
                connection.bind(statement, 1, store.id)
                try connection.run(statement)
            }
            if ownBatch { try commitBatch() }
        } catch {
            if ownBatch { rollbackBatch() }
            throw error
        }
        stores[name] = nil
    }

    public func beginBatch() throws(StoreError) {
        precondition(!inBatch, "storage batches do not nest")
        if let syncFailure { throw syncFailure }
        // Prepared once: parsing "BEGIN"/"COMMIT" on every batch shows in profiles of sync publishing.
        try connection.run(try connection.statement("BEGIN IMMEDIATE"))
        changesAtBegin = sqlite3_total_changes64(connection.handle)
        messagesAppendedInBatch = false
        inBatch = true
    }

    public func commitBatch(durability: CommitDurability) throws(StoreError) {
        guard inBatch else { return }
        try connection.run(try connection.statement("COMMIT"))
        inBatch = false
        // The commit's frames leave this process before anyone hears of it.
        let flushed = outpost_wal_buffer_flush(connection.handle)
        guard flushed == SQLITE_OK else {
            for store in stores.values { store.batchRolledBack() }
            throw reopenAfterLostFrames(flushed)
        }
        for store in stores.values { store.batchCommitted() }
        guard sync == .always else { return }
        let changedRows = sqlite3_total_changes64(connection.handle) != changesAtBegin
        // Stored messages are always synced, replied to or not: a message lost in a power cut
        // would give its sequence to another one, and whoever saw the first (a mirror, a
        // client) would skip the second. A promise is synced when this batch or an earlier
        // unsynced one wrote something it may vouch for (a duplicate's PubAck, a double ack).
        if messagesAppendedInBatch || (durability == .promised && (changedRows || hasUnsyncedWrites)) {
            try syncWriteAheadLog()
            hasUnsyncedWrites = false
        } else if changedRows {
            hasUnsyncedWrites = true
        }
    }

    /// The WAL frames of the last commit did not reach the file (a full disk, an I/O error):
    /// SQLite's picture of the WAL is ahead of the file, so this connection must not go on, nor
    /// checkpoint on its way out (it would copy pages the file does not hold). Closed without a
    /// checkpoint and opened again, SQLite recovers the WAL from the file: the store is as it was
    /// before that commit, and takes writes again (after a full disk, once there is room).
    /// Returns the error the commit fails with.
    private func reopenAfterLostFrames(_ status: Int32) -> StoreError {
        let path = connection.path
        let lost = connection.mapError(status, "the write-ahead log could not be written")
        outpost_wal_buffer_close_without_checkpoint(connection.handle)
        connection.close()
        do throws(StoreError) {
            connection = try Self.openConnection(path: path, maximumBytes: maximumBytes, cacheBytes: cacheBytes)
        } catch {
            // Nothing can be vouched for any more: refuse every batch until a restart.
            let failure = StoreError(
                .io, "\(path): cannot reopen the store after a failed write (\(error.message)); it takes no more writes until a restart")
            syncFailure = failure
            return failure
        }
        return lost
    }

    /// `sqlite3_total_changes64` when the batch began: a batch that changed no row has nothing
    /// to sync (an fdatasync with nothing to write still flushes the disk's cache).
    private var changesAtBegin: Int64 = 0
    /// Set by the stream stores when the open batch stores a message.
    var messagesAppendedInBatch = false
    /// Committed without a sync since the last one.
    private var hasUnsyncedWrites = false
    /// A WAL sync failed: after a failed fsync Linux may drop the unwritten pages and report the
    /// next fsync as a success, so nothing written from then on could be promised. The store
    /// refuses every batch until the server restarts (and recovers the database from its WAL).
    private(set) var syncFailure: StoreError?

    /// Syncs the WAL after a promised commit with ``SyncPolicy/always``.
    ///
    /// The connection runs `synchronous=NORMAL` (SQLite refuses to change it inside a
    /// transaction, and whether a batch is promised is known only at its end), so commits do
    /// not sync by themselves; this does what `synchronous=FULL` would have done at the commit:
    /// the WAL file's own `xSync`, reached through `SQLITE_FCNTL_JOURNAL_POINTER`. Checkpoints
    /// sync the WAL and the database themselves in both modes.
    private func syncWriteAheadLog() throws(StoreError) {
        var file: UnsafeMutablePointer<sqlite3_file>?
        let status = sqlite3_file_control(connection.handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file)
        guard status == SQLITE_OK, let file, let methods = file.pointee.pMethods, let xSync = methods.pointee.xSync else {
            throw StoreError(.io, "\(connection.path): cannot reach the write-ahead log to sync it (\(status))")
        }
        let synced = xSync(file, SQLITE_SYNC_NORMAL)
        guard synced == SQLITE_OK else {
            let failure = StoreError(
                .io, "\(connection.path): syncing the write-ahead log failed (\(synced)); the store takes no more writes until a restart")
            syncFailure = failure
            throw failure
        }
        logSyncs += 1
    }

    /// WAL syncs made by promised commits (tests; a count of disk flushes on the publish path).
    public private(set) var logSyncs = 0

    public func rollbackBatch() {
        guard inBatch else { return }
        try? connection.execute("ROLLBACK")
        inBatch = false
        for store in stores.values { store.batchRolledBack() }
    }

    var isInBatch: Bool { inBatch }

    public func storedBytes() -> UInt64 {
        guard let pages = try? pragma("page_count"), let size = try? pragma("page_size") else { return 0 }
        return UInt64(pages * size)
    }

    private func pragma(_ name: String) throws(StoreError) -> Int64 {
        try Self.pragma(name, on: connection)
    }

    private static func pragma(_ name: String, on connection: SQLiteConnection) throws(StoreError) -> Int64 {
        let statement = try connection.statement("PRAGMA \(name)")
        defer { sqlite3_reset(statement) }
        guard try connection.step(statement) else { return 0 }
        return connection.int64(statement, 0)
    }

    /// With ``SyncPolicy/interval(_:)``: checkpoint the WAL into the database and sync it, when
    /// the interval has passed. The engine calls this about once a second.
    public func periodicSync() {
        guard case .interval(let interval) = sync, !inBatch else { return }
        let now = ContinuousClock.now
        guard now - lastSync >= interval else { return }
        lastSync = now
        try? connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }

    public func close() {
        if inBatch { rollbackBatch() }
        try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        stores.removeAll()
    }
}
