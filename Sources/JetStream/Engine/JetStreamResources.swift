import Logging

/// JetStream's server-wide storage limits (`max_memory_store`, `max_file_store`, or what
/// nats-server takes when none is set), shared by the engines of all accounts. The engines run
/// on one event loop, which is what makes reading each other's streams here safe.
public final class JetStreamServerResources: @unchecked Sendable {
    public let maxMemory: Int64
    public let maxStorage: Int64
    private var engines: [WeakEngine] = []
    /// When "resource limits exceeded for server" was last logged (nanoseconds, engine clock).
    private var loggedAt: Int64?

    private struct WeakEngine {
        weak var engine: JetStreamEngine?
    }

    public init(maxMemory: Int64, maxStorage: Int64) {
        self.maxMemory = maxMemory
        self.maxStorage = maxStorage
    }

    func register(_ engine: JetStreamEngine) {
        engines.append(WeakEngine(engine: engine))
    }

    func limit(memory: Bool) -> Int64 { memory ? maxMemory : maxStorage }

    /// Bytes stored in all accounts' streams of that storage type.
    func storedBytes(memory: Bool) -> Int64 {
        engines.reduce(0) { $0 + ($1.engine?.storedBytes(memory: memory) ?? 0) }
    }

    /// The `max_bytes` all accounts' streams of that storage type hold in reserve, without the
    /// stream being updated (`excluding`, in `engine`).
    func reservedBytes(memory: Bool, excluding name: String?, in engine: JetStreamEngine) -> Int64 {
        engines.reduce(0) { total, entry in
            guard let other = entry.engine else { return total }
            return total + other.reservedBytes(memory: memory, excluding: other === engine ? name : nil)
        }
    }

    /// nats-server logs the refusal; once a minute is enough for a box that stays full.
    func logExceeded(now: Int64, logger: Logger) {
        if let loggedAt, now - loggedAt < 60_000_000_000 { return }
        loggedAt = now
        logger.error("JetStream resource limits exceeded for server")
    }
}

/// Storage limits of the account (the engine's configuration) and of the server, checked as
/// nats-server 2.9 checks them: a stream's `max_bytes` is reserved when it is created or updated
/// (10047 for file, 10028 for memory storage, when the reservations would pass either limit),
/// and a message is refused when the account's stored bytes with it would pass the account's
/// limit (10002) or when the server's stored bytes already pass the server's (10023).
extension JetStreamEngine {
    /// Puts `stream` among this account's streams, its bytes in the account's totals.
    func add(_ stream: Stream) {
        streams[stream.name] = stream
        stream.isCounted = true
        storedBytesChanged(memory: stream.isMemory, by: Int64(stream.byteCount))
    }

    /// Takes `stream` out of this account's streams and its bytes out of the totals.
    func remove(_ stream: Stream) {
        streams[stream.name] = nil
        stream.isCounted = false
        storedBytesChanged(memory: stream.isMemory, by: -Int64(stream.byteCount))
    }

    func storedBytesChanged(memory: Bool, by delta: Int64) {
        if memory { storedMemoryBytes += delta } else { storedFileBytes += delta }
    }

    /// Bytes stored in this account's streams of that storage type.
    func storedBytes(memory: Bool) -> Int64 { memory ? storedMemoryBytes : storedFileBytes }

    func reservedBytes(memory: Bool, excluding name: String?) -> Int64 {
        var total: Int64 = 0
        for stream in streams.values where stream.isMemory == memory && stream.name != name && stream.configuration.maxBytes > 0 {
            total += stream.configuration.maxBytes
        }
        return total
    }

    /// Why a message of `size` stored bytes may not be stored, if it may not.
    func resourceFailure(memory: Bool, adding size: UInt64) -> JetStreamAPIError? {
        let accountLimit = memory ? configuration.maxMemory : configuration.maxStorage
        if accountLimit >= 0 && storedBytes(memory: memory) + Int64(size) > accountLimit {
            return .accountResourcesExceeded
        }
        if let server = configuration.serverResources, server.storedBytes(memory: memory) > server.limit(memory: memory) {
            server.logExceeded(now: now(), logger: logger)
            return .insufficientResources
        }
        return nil
    }

    /// Why `configuration`'s `max_bytes` cannot be reserved (creating it, or updating the stream
    /// of that name), if it cannot.
    func reservationFailure(for configuration: StreamConfiguration, updating name: String?) -> JetStreamAPIError? {
        // The account's per-stream limits first (nats-server `checkStreamCfg` / `checkLimits`).
        if self.configuration.maxBytesRequired && configuration.maxBytes <= 0 { return .streamMaxBytesRequired }
        let streamLimit =
            configuration.storage == .memory ? self.configuration.memoryMaxStreamBytes : self.configuration.storageMaxStreamBytes
        if streamLimit > 0 && configuration.maxBytes > streamLimit { return .streamMaxStreamBytesExceeded }
        // A stream without max_bytes asks for one byte (nats-server `checkBytesLimits`): an
        // account with `max_file: 0` can make no file stream at all.
        let requested = configuration.maxBytes > 0 ? configuration.maxBytes : 1
        let memory = configuration.storage == .memory
        let failure: JetStreamAPIError = memory ? .memoryResourcesExceeded : .storageResourcesExceeded
        let accountLimit = memory ? self.configuration.maxMemory : self.configuration.maxStorage
        if accountLimit >= 0 && reservedBytes(memory: memory, excluding: name) + requested > accountLimit {
            return failure
        }
        if let server = self.configuration.serverResources,
            server.reservedBytes(memory: memory, excluding: name, in: self) + requested > server.limit(memory: memory)
        {
            return failure
        }
        return nil
    }
}
