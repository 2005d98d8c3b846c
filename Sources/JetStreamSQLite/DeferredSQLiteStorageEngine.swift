import JetStream

#if canImport(Glibc)
import Glibc
#endif

/// A ``SQLiteStorageEngine`` that is opened only when it is first needed: at start if the
/// database file exists (so a crashed or corrupt store is recovered or reported at once),
/// otherwise when the first file stream is created. A server that never stores anything in a
/// file stream never loads SQLite (about 1.7 MB of resident memory on an idle board).
public final class DeferredSQLiteStorageEngine: StorageEngine, @unchecked Sendable {
    private let directory: String
    private let sync: SQLiteStorageEngine.SyncPolicy
    private var engine: SQLiteStorageEngine?
    private let cacheBytes: Int
    /// A batch the engine began before the database was open.
    private var batchPending = false

    public init(
        directory: String, sync: SQLiteStorageEngine.SyncPolicy, cacheBytes: Int = SQLiteStorageEngine.defaultCacheBytes
    ) throws(StoreError) {
        self.directory = directory
        self.sync = sync
        self.cacheBytes = cacheBytes
        if access(directory + "/outpost.db", F_OK) == 0 {
            engine = try SQLiteStorageEngine(directory: directory, sync: sync, cacheBytes: cacheBytes)
        }
    }

    /// Whether the database has been opened (for tests and logs).
    public var isOpen: Bool { engine != nil }

    private func opened() throws(StoreError) -> SQLiteStorageEngine {
        if let engine { return engine }
        let engine = try SQLiteStorageEngine(directory: directory, sync: sync, cacheBytes: cacheBytes)
        self.engine = engine
        if batchPending { try engine.beginBatch() }
        return engine
    }

    public func openStreams() throws(StoreError) -> [(store: any StreamStore, configuration: [UInt8])] {
        guard let engine else { return [] }
        return try engine.openStreams()
    }

    public func createStream(name: String, configuration: [UInt8]) throws(StoreError) -> any StreamStore {
        try opened().createStream(name: name, configuration: configuration)
    }

    public func deleteStream(name: String) throws(StoreError) {
        guard let engine else { throw StoreError(.notFound, "stream \(name) not found") }
        try engine.deleteStream(name: name)
    }

    public func beginBatch() throws(StoreError) {
        guard let engine else {
            precondition(!batchPending, "storage batches do not nest")
            batchPending = true
            return
        }
        try engine.beginBatch()
    }

    public func commitBatch(durability: CommitDurability) throws(StoreError) {
        batchPending = false
        try engine?.commitBatch(durability: durability)
    }

    public func rollbackBatch() {
        batchPending = false
        engine?.rollbackBatch()
    }

    public func storedBytes() -> UInt64 { engine?.storedBytes() ?? 0 }

    public func periodicSync() { engine?.periodicSync() }

    public func close() { engine?.close() }
}
