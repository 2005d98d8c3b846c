import Broker
import JetStream
import JetStreamSQLite
import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// How JetStream runs in this process (from `jetstream { ... }`, `-js`, `-sd`).
package struct JetStreamSettings: Sendable {
    package var storeDirectory: String
    /// The directory was not configured (the embedded default `./data`): if another server holds
    /// it, run without JetStream rather than fail.
    package var isDefaultDirectory: Bool
    package var domain: String?
    package var maxMemory: Int64 = -1
    package var maxStorage: Int64 = -1
    /// When stored messages reach the disk: `.always` (the default, every PubAck survives a power
    /// cut) or `.interval` (a crash of the process only).
    package var sync: SQLiteStorageEngine.SyncPolicy = .always
    /// `jetstream { sqlite_cache }`: SQLite's page cache in bytes.
    package var sqliteCacheBytes = SQLiteStorageEngine.defaultCacheBytes

    package init(storeDirectory: String, isDefaultDirectory: Bool, domain: String? = nil) {
        self.storeDirectory = storeDirectory
        self.isDefaultDirectory = isDefaultDirectory
        self.domain = domain
    }
}

/// The running JetStream: its own event loop, its storage, the engine and the bridge to the
/// broker. The store directory is locked (`flock`) so that two servers never share it.
package final class JetStreamRuntime: @unchecked Sendable {
    package let engine: JetStreamEngine
    private let group: MultiThreadedEventLoopGroup
    private let lockDescriptor: Int32

    private init(engine: JetStreamEngine, group: MultiThreadedEventLoopGroup, lockDescriptor: Int32) {
        self.engine = engine
        self.group = group
        self.lockDescriptor = lockDescriptor
    }

    package struct StartError: Error, CustomStringConvertible {
        package let description: String
    }

    /// The store directory, locked for this process.
    package struct DirectoryLock: Sendable {
        let descriptor: Int32
        let directory: String
    }

    /// Locks the store directory, or returns `nil` (with a warning) when the default directory is
    /// in use by another server; an explicitly configured one in use is an error.
    package static func lockDirectory(settings: JetStreamSettings, logger: Logger) throws -> DirectoryLock? {
        let directory = settings.storeDirectory + "/jetstream"
        do throws(SystemFiles.FileError) {
            try SystemFiles.makeDirectories(directory)
        } catch {
            throw StartError(description: "cannot create \(error.path): \(error.reason)")
        }
        let lock = open(directory + "/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else {
            throw StartError(description: "cannot open \(directory)/.lock: \(String(cString: strerror(errno)))")
        }
        if flock(lock, LOCK_EX | LOCK_NB) != 0 {
            close(lock)
            let message = "store directory \(settings.storeDirectory) is in use by another server"
            if settings.isDefaultDirectory {
                logger.warning("JetStream not started: \(message); give this one its own with -sd DIR")
                return nil
            }
            throw StartError(description: message)
        }
        return DirectoryLock(descriptor: lock, directory: directory)
    }

    /// Starts JetStream in a directory locked with ``lockDirectory(settings:logger:)``.
    package static func start(settings: JetStreamSettings, lock directoryLock: DirectoryLock, serverName: String, broker: Broker, logger: Logger) async throws -> JetStreamRuntime {
        let directory = directoryLock.directory
        let lock = directoryLock.descriptor
        logger.info("Starting JetStream")
        logger.info("---------------- JETSTREAM ----------------")
        logger.info("  Max Memory:      \(settings.maxMemory < 0 ? "dynamic" : "\(settings.maxMemory) bytes")")
        logger.info("  Max Storage:     \(settings.maxStorage < 0 ? "dynamic" : "\(settings.maxStorage) bytes")")
        logger.info("  Store Directory: \"\(directory)\"")
        logger.info("  Sync:            \(settings.sync == .always ? "always (every acknowledged write survives a power cut)" : "relaxed")")
        if let domain = settings.domain { logger.info("  Domain:          \(domain)") }
        logger.info("-------------------------------------------")

        let fileStorage: any StorageEngine
        do {
            // File streams live in SQLite, opened when there is something to open or store.
            fileStorage = try DeferredSQLiteStorageEngine(directory: directory, sync: settings.sync, cacheBytes: settings.sqliteCacheBytes)
        } catch {
            close(lock)
            throw StartError(description: "cannot open the JetStream store in \(directory): \(error)")
        }
        // The engine owns a loop of its own: storage work (fsync included) never blocks a client's.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bridge = JetStreamBridge(broker: broker)
        var configuration = JetStreamEngine.Configuration(serverName: serverName, domain: settings.domain)
        configuration.maxMemory = settings.maxMemory
        configuration.maxStorage = settings.maxStorage
        let engine = JetStreamEngine(
            configuration: configuration,
            eventLoop: group.next(),
            transport: bridge,
            fileStorage: fileStorage,
            memoryStorage: MemoryStorageEngine(),
            logger: logger
        )
        bridge.engine = engine
        do {
            try await engine.start().get()
        } catch {
            try? await group.shutdownGracefully()
            close(lock)
            throw StartError(description: "JetStream could not start: \(error)")
        }
        let limits = JetStreamLimits.effective(maxMemory: settings.maxMemory, maxStorage: settings.maxStorage, directory: directory)
        let domain = settings.domain
        broker.setJetStreamStatusProvider { details in
            guard let usage = try? await engine.currentUsage().get() else { return nil }
            var status = Broker.JetStreamStatus(
                maxMemory: limits.memory, maxStorage: limits.storage, storeDirectory: directory, domain: domain,
                memory: usage.memoryBytes, storage: usage.storageBytes, streams: usage.streams, consumers: usage.consumers,
                messages: usage.messages, bytes: usage.bytes, apiTotal: usage.apiTotal, apiErrors: usage.apiErrors
            )
            if let details {
                status.streamDetails = try? await engine.streamDetails(consumers: details.consumers, config: details.config).get()
            }
            return status
        }
        return JetStreamRuntime(engine: engine, group: group, lockDescriptor: lock)
    }

    /// Finishes the batch under way, closes the store, releases the directory.
    package func stop(logger: Logger) async {
        logger.info("Initiating JetStream Shutdown...")
        try? await engine.shutDown().get()
        try? await group.shutdownGracefully()
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
        logger.info("JetStream Shutdown")
    }
}

/// The limits /jsz reports: the configured ones, or what nats-server takes when none is set
/// ("dynamic": 75% of the machine's memory, 75% of the store's free disk space).
enum JetStreamLimits {
    static func effective(maxMemory: Int64, maxStorage: Int64, directory: String) -> (memory: Int64, storage: Int64) {
        var memory = maxMemory
        if memory < 0 {
            let pages = Int64(sysconf(Int32(_SC_PHYS_PAGES)))
            let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
            memory = pages > 0 && pageSize > 0 ? pages * pageSize / 4 * 3 : 0
        }
        var storage = maxStorage
        if storage < 0 {
            var stats = statvfs()
            storage = statvfs(directory, &stats) == 0 ? Int64(stats.f_bavail) * Int64(stats.f_frsize) / 4 * 3 : 0
        }
        return (memory, storage)
    }
}
