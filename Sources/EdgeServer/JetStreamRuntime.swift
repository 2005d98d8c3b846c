import Broker
import EdgeConfig
import JetStream
import JetStreamSQLite
import Logging
import Monitoring
import NIOCore
import NIOPosix
import Subjects

#if canImport(Glibc)
import Glibc
#endif

/// How JetStream runs in this process (from `jetstream { ... }`, `-js`, `-sd`).
package struct JetStreamSettings: Sendable, Equatable {
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
    /// The accounts JetStream runs in, with their limits.
    package var accounts: [Account] = [Account(name: "$G", limits: nil)]

    /// An account with JetStream (`accounts { A: { jetstream: ... } }`); no limits: the server's.
    package struct Account: Sendable, Equatable {
        package var name: String
        package var limits: AccountJetStreamLimits?

        package init(name: String, limits: AccountJetStreamLimits?) {
            self.name = name
            self.limits = limits
        }
    }

    package init(storeDirectory: String, isDefaultDirectory: Bool, domain: String? = nil) {
        self.storeDirectory = storeDirectory
        self.isDefaultDirectory = isDefaultDirectory
        self.domain = domain
    }
}

/// The running JetStream: one engine per account that has it, all on one event loop of their
/// own, each with its own storage, bridged to the broker in its account. The store directory is
/// locked (`flock`) so that two servers never share it. Accounts without JetStream are answered
/// "JetStream not enabled for account", as nats-server answers them.
package final class JetStreamRuntime: @unchecked Sendable {
    /// By account name.
    package let engines: [String: JetStreamEngine]
    /// The engines' own loop; `nil` when they share the server's (see `start`).
    private let group: MultiThreadedEventLoopGroup?
    private let lockDescriptor: Int32

    private init(engines: [String: JetStreamEngine], group: MultiThreadedEventLoopGroup?, lockDescriptor: Int32) {
        self.engines = engines
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
    ///
    /// - Parameter sharedLoop: a loop of the server's for the engines, instead of a thread of
    ///   their own (see `OutpostServer.engineSharesClientLoop`): where the process may run on one
    ///   CPU only and commits are not synced, a thread of its own gains nothing (the storage work
    ///   and the clients' take turns on the one CPU anyway) and costs two thread switches for
    ///   every batch (client loop -> engine -> client loop).
    package static func start(
        settings: JetStreamSettings, lock directoryLock: DirectoryLock, serverName: String, broker: Broker, status: JetStreamStatusSource,
        sharedLoop: (any EventLoop)? = nil, logger: Logger
    ) async throws -> JetStreamRuntime {
        let directory = directoryLock.directory
        let lock = directoryLock.descriptor
        logger.info("Starting JetStream")
        logger.info("---------------- JETSTREAM ----------------")
        logger.info("  Max Memory:      \(settings.maxMemory < 0 ? "dynamic" : "\(settings.maxMemory) bytes")")
        logger.info("  Max Storage:     \(settings.maxStorage < 0 ? "dynamic" : "\(settings.maxStorage) bytes")")
        logger.info("  Store Directory: \"\(directory)\"")
        logger.info("  Sync:            \(settings.sync == .always ? "always (every acknowledged write survives a power cut)" : "relaxed")")
        if let domain = settings.domain { logger.info("  Domain:          \(domain)") }
        logger.info("  Engine thread:   \(sharedLoop == nil ? "its own" : "the client loop's (one CPU)")")
        logger.info("-------------------------------------------")

        // Unless they share the client loop (see `sharedLoop`), the engines own a loop: storage
        // work (fsync included) never blocks a client's.
        let group: MultiThreadedEventLoopGroup?
        let engineLoop: any EventLoop
        if let sharedLoop {
            group = nil
            engineLoop = sharedLoop
        } else {
            let own = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            group = own
            engineLoop = own.next()
        }
        var engines: [String: JetStreamEngine] = [:]
        func fail(_ description: String) async -> StartError {
            for engine in engines.values { try? await engine.shutDown().get() }
            try? await group?.shutdownGracefully()
            close(lock)
            return StartError(description: description)
        }
        // The server's limits (configured, or nats-server's "dynamic" ones) hold across accounts.
        let limits = JetStreamLimits.effective(maxMemory: settings.maxMemory, maxStorage: settings.maxStorage, directory: directory)
        let serverResources = JetStreamServerResources(maxMemory: limits.memory, maxStorage: limits.storage)
        // nats-server reserves each account's own limits out of the server's at start, and will
        // not start when they do not fit.
        let accountMemory = settings.accounts.reduce(Int64(0)) { $0 + max(0, $1.limits?.maxMemory ?? 0) }
        let accountStorage = settings.accounts.reduce(Int64(0)) { $0 + max(0, $1.limits?.maxStorage ?? 0) }
        if accountMemory > limits.memory {
            throw await fail(
                "Can't start JetStream: Error enabling jetstream on configured accounts: insufficient memory resources available (10028)")
        }
        if accountStorage > limits.storage {
            throw await fail(
                "Can't start JetStream: Error enabling jetstream on configured accounts: insufficient storage resources available (10047)")
        }
        for account in settings.accounts {
            guard let brokerAccount = broker.accounts[account.name] else {
                throw await fail("JetStream: unknown account \(account.name)")
            }
            // The account's name becomes a directory name.
            if account.name.contains("/") || account.name == "." || account.name == ".." {
                throw await fail("JetStream: account name \(account.name) cannot name a store directory")
            }
            // The global account's store is the directory itself (where earlier versions kept
            // it); another account's is a directory of its name, as nats-server lays them out.
            let accountDirectory = account.name == "$G" ? directory : directory + "/" + account.name
            let fileStorage: any StorageEngine
            do {
                try SystemFiles.makeDirectories(accountDirectory)
                // File streams live in SQLite, opened when there is something to open or store.
                fileStorage = try DeferredSQLiteStorageEngine(
                    directory: accountDirectory, sync: settings.sync, cacheBytes: settings.sqliteCacheBytes)
            } catch {
                throw await fail("cannot open the JetStream store in \(accountDirectory): \(error)")
            }
            let bridge = JetStreamBridge(broker: broker, account: brokerAccount)
            var configuration = JetStreamEngine.Configuration(serverName: serverName, domain: settings.domain)
            configuration.maxMemory = account.limits?.maxMemory ?? -1
            configuration.maxStorage = account.limits?.maxStorage ?? -1
            configuration.serverResources = serverResources
            configuration.maxStreams = account.limits?.maxStreams ?? -1
            configuration.maxConsumers = account.limits?.maxConsumers ?? -1
            configuration.maxAckPending = account.limits?.maxAckPending ?? -1
            configuration.memoryMaxStreamBytes = account.limits?.memoryMaxStreamBytes ?? -1
            configuration.storageMaxStreamBytes = account.limits?.storageMaxStreamBytes ?? -1
            configuration.maxBytesRequired = account.limits?.maxBytesRequired ?? false
            let engine = JetStreamEngine(
                configuration: configuration,
                eventLoop: engineLoop,
                transport: bridge,
                fileStorage: fileStorage,
                memoryStorage: MemoryStorageEngine(),
                logger: logger
            )
            bridge.engine = engine
            do {
                try await engine.start().get()
            } catch {
                throw await fail("JetStream could not start\(account.name == "$G" ? "" : " for account \(account.name)"): \(error)")
            }
            if account.name != "$G" { logger.info("  JetStream enabled for account \(account.name)") }
            engines[account.name] = engine
        }
        do {
            for (name, account) in broker.accounts where engines[name] == nil {
                try answerNotEnabled(in: account, domain: settings.domain, broker: broker)
            }
        } catch {
            throw await fail("JetStream: \(error)")
        }
        if engines.isEmpty {
            logger.warning(
                "JetStream is enabled but no account says `jetstream`: no account can use it (give an account `jetstream: enabled`)")
        }

        let domain = settings.domain
        let accountLimits = Dictionary(uniqueKeysWithValues: settings.accounts.map { ($0.name, $0.limits) })
        let running = engines
        status.set(accountNames: Set(engines.keys)) { details in
            var status = JetStreamStatus(
                maxMemory: limits.memory, maxStorage: limits.storage, storeDirectory: directory, domain: domain,
                memory: 0, storage: 0, streams: 0, consumers: 0, messages: 0, bytes: 0, apiTotal: 0, apiErrors: 0
            )
            for (name, engine) in running.sorted(by: { $0.key < $1.key }) {
                // An engine that cannot answer (shutting down) leaves its account out, not all.
                guard let usage = try? await engine.currentUsage().get() else { continue }
                status.memory += usage.memoryBytes
                status.storage += usage.storageBytes
                status.streams += usage.streams
                status.consumers += usage.consumers
                status.messages += usage.messages
                status.bytes += usage.bytes
                status.apiTotal += usage.apiTotal
                status.apiErrors += usage.apiErrors
                var account = JetStreamStatus.AccountStatus(
                    name: name, memory: usage.memoryBytes, storage: usage.storageBytes, apiTotal: usage.apiTotal,
                    apiErrors: usage.apiErrors,
                    maxMemory: accountLimits[name]??.maxMemory ?? -1, maxStorage: accountLimits[name]??.maxStorage ?? -1)
                if let details {
                    account.streamDetails = try? await engine.streamDetails(consumers: details.consumers, config: details.config).get()
                }
                status.accounts.append(account)
            }
            return status
        }
        return JetStreamRuntime(engines: engines, group: group, lockDescriptor: lock)
    }

    /// `$JS.API.>` (and the domain's) in an account without JetStream: error 10039, as
    /// nats-server's `checkJetStream` answers — but silent while the account has a leafnode link
    /// up (a JetStream on the other side may answer). Not where the account imports the API as a
    /// service from an account that has it (that one answers), and not announced over links.
    private static func answerNotEnabled(in account: Account, domain: String?, broker: Broker) throws {
        let subjects = JetStreamEngine.apiSubjects(domain: domain)
        let serviceImports = broker.configuration.accounts.first { $0.name == account.name }?.imports.filter(\.isService) ?? []
        for subject in subjects {
            let imported = serviceImports.contains { SubjectPattern.intersects($0.to ?? $0.subject, subject) }
            if imported { continue }
            let subscription = Subscription(internalSubject: subject, queue: nil, isAnnounced: false, isConsumerInterest: false) {
                [weak broker] message in
                guard let broker, let reply = message.reply, !reply.isEmpty, !broker.hasLeafConnections(in: account),
                    let answer = DisabledAccountAnswer.reply(to: message.subject)
                else { return }
                broker.publishInternal(
                    destination: reply, subject: reply, reply: nil, headers: nil, payload: answer, account: account, isOneOff: true)
            }
            try broker.subscribeInternal(subscription, account: account)
        }
    }

    /// Finishes the batches under way, closes the stores, releases the directory.
    package func stop(logger: Logger) async {
        logger.info("Initiating JetStream Shutdown...")
        for engine in engines.values { try? await engine.shutDown().get() }
        try? await group?.shutdownGracefully()
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
        logger.info("JetStream Shutdown")
    }

    /// Releases a directory locked with ``lockDirectory(settings:logger:)`` whose JetStream never
    /// started (a failure elsewhere unwinding the start).
    static func releaseDirectory(_ lock: DirectoryLock) {
        flock(lock.descriptor, LOCK_UN)
        close(lock.descriptor)
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
