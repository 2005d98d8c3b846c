/// Persistence of one stream's messages and consumers, behind which memory and SQLite sit.
///
/// The store is deliberately simple: the stream above it assigns sequences, keeps the counters
/// (messages, bytes, first and last sequence, per-subject counts) and decides what to remove for
/// its limits and retention; the store keeps what it is told and answers look-ups. That keeps
/// both implementations small and lets one conformance suite check them both
/// (nats-server `server/store.go` has the same split between `stream.go` and its stores).
///
/// Writes happen inside a batch opened on the ``StorageEngine`` (``StorageEngine/beginBatch()``
/// … ``StorageEngine/commitBatch()``): nothing is acknowledged to a publisher before the batch
/// that holds its message has committed. Not thread-safe: the JetStream engine owns all stores
/// and calls them from its one thread.
public protocol StreamStore: AnyObject {
    /// The stream's name.
    var name: String { get }

    /// Stores `message` (its sequence is higher than every sequence stored before).
    func append(_ message: StoredMessage) throws(StoreError)

    /// The message with this sequence, if it is stored.
    func message(sequence: UInt64) throws(StoreError) -> StoredMessage?

    /// The first message with a sequence ≥ `sequence` whose subject matches `filter`
    /// (a subject that may hold `*` and `>`; `nil` matches every subject).
    func nextMessage(from sequence: UInt64, matching filter: String?) throws(StoreError) -> StoredMessage?

    /// The message with the highest sequence on the literal `subject`.
    func lastMessage(subject: String) throws(StoreError) -> StoredMessage?

    /// Up to `limit` messages with sequences ≥ `sequence`, in order (consumer replay reads in
    /// batches).
    func messages(from sequence: UInt64, limit: Int) throws(StoreError) -> [StoredMessage]

    /// The sequences of stored messages whose subject matches `filter` (`nil`: all) and whose
    /// sequence is below `sequence` (`nil`: no bound), in ascending order. Purges use it.
    func sequences(matching filter: String?, below sequence: UInt64?) throws(StoreError) -> [UInt64]

    /// Removes one message; `false` if it was not stored.
    @discardableResult
    func remove(sequence: UInt64) throws(StoreError) -> Bool

    /// Removes every message with a sequence below `sequence`; returns how many went.
    @discardableResult
    func removeAll(below sequence: UInt64) throws(StoreError) -> Int

    /// Everything needed to rebuild the stream's counters when the server starts.
    func scan() throws(StoreError) -> StreamStoreSummary

    /// Keeps the stream's configuration (JSON) with its messages.
    func saveConfiguration(_ configuration: [UInt8]) throws(StoreError)

    /// Saves (replaces) a consumer's configuration and state, as opaque records.
    func saveConsumer(name: String, configuration: [UInt8], state: [UInt8]) throws(StoreError)

    /// Saves only a consumer's state (its configuration is unchanged).
    func saveConsumerState(name: String, state: [UInt8]) throws(StoreError)

    func deleteConsumer(name: String) throws(StoreError)

    /// The consumers saved for this stream.
    func consumers() throws(StoreError) -> [StoredConsumer]
}

/// A consumer as the store keeps it: the engine encodes and decodes the records.
public struct StoredConsumer: Sendable, Equatable {
    public var name: String
    public var configuration: [UInt8]
    public var state: [UInt8]

    public init(name: String, configuration: [UInt8], state: [UInt8]) {
        self.name = name
        self.configuration = configuration
        self.state = state
    }
}

/// What a store holds, summed up for rebuilding a stream's counters on start.
public struct StreamStoreSummary: Sendable, Equatable {
    public var messages: UInt64 = 0
    public var bytes: UInt64 = 0
    /// 0 when empty.
    public var firstSequence: UInt64 = 0
    public var lastSequence: UInt64 = 0
    public var firstTimestamp: Int64 = 0
    public var lastTimestamp: Int64 = 0
    /// Per literal subject: how many messages, and the first and last sequence.
    public var subjects: [String: SubjectSummary] = [:]

    public init() {}

    public struct SubjectSummary: Sendable, Equatable {
        public var messages: UInt64
        public var firstSequence: UInt64
        public var lastSequence: UInt64

        public init(messages: UInt64, firstSequence: UInt64, lastSequence: UInt64) {
            self.messages = messages
            self.firstSequence = firstSequence
            self.lastSequence = lastSequence
        }
    }
}

/// Where streams are kept: creates, opens and deletes stream stores, and groups their writes
/// into durable batches.
public protocol StorageEngine: AnyObject {
    /// The streams stored so far, with their saved configurations (opened at start-up).
    func openStreams() throws(StoreError) -> [(store: any StreamStore, configuration: [UInt8])]

    /// A new, empty stream store (fails if the name exists).
    func createStream(name: String, configuration: [UInt8]) throws(StoreError) -> any StreamStore

    /// Deletes a stream with all its messages and consumers.
    func deleteStream(name: String) throws(StoreError)

    /// Opens a batch: writes until ``commitBatch()`` are committed together. Batches do not nest.
    func beginBatch() throws(StoreError)

    /// Commits the open batch. With ``CommitDurability/promised`` the batch's writes survive what
    /// the sync policy promises (by default: a power cut) when it returns; with
    /// ``CommitDurability/bestEffort`` they survive a crash of the process, and a power cut only
    /// once a later promised commit (or a periodic sync) has reached the disk.
    func commitBatch(durability: CommitDurability) throws(StoreError)

    /// Drops the open batch's writes (after an error).
    func rollbackBatch()

    /// Bytes used on disk (or in memory), for account limits and /jsz.
    func storedBytes() -> UInt64

    /// Called about once a second by the engine: a relaxed sync policy syncs here.
    func periodicSync()

    /// Finishes pending work and closes files (shutdown).
    func close()
}

/// What a commit promises.
///
/// A write someone is told about (a PubAck, an API answer, a double-ack reply) is committed
/// `promised`. Writes nobody waits for — plain acks, delivery positions, expiry — are
/// `bestEffort`: if a power cut loses them, messages are delivered again, never lost, and no
/// confirmed write is missing, because the sync of a later promised commit covers every earlier
/// one (the WAL is one file, written in order, and its checksums cut off a torn tail). A store
/// syncs every batch that stores messages whatever it is told: sequences must never be reused.
public enum CommitDurability: Sendable, Equatable {
    case promised
    case bestEffort
}

extension StorageEngine {
    /// A promised commit (see ``CommitDurability``).
    public func commitBatch() throws(StoreError) { try commitBatch(durability: .promised) }
}

/// A storage failure, with the reason.
public struct StoreError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable { case notFound, exists, full, corrupt, io, closed }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public static let notFound = Code(.notFound)
        public static let exists = Code(.exists)
        /// The disk (or a configured limit) is full.
        public static let full = Code(.full)
        /// The database cannot be read as ours.
        public static let corrupt = Code(.corrupt)
        public static let io = Code(.io)
        public static let closed = Code(.closed)
        public var description: String { "\(base)" }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
