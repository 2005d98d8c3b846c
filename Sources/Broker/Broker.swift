import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// The server core: accounts, the sessions, statistics, and what every session needs to know
/// about the server (INFO, authentication) — the one ``SessionHost``.
///
/// Thread-safe: sessions on every event loop call into it. Mutable state sits behind one
/// lock each (`registry`, `reloadable`), counters are atomics. Lock order: no other lock is
/// taken while `registry` is held; a transport's inbox lock and an account's index lock are
/// never held while taking it.
package final class Broker: SessionHost, Sendable {
    package let configuration: BrokerConfiguration
    package let logger: Logger
    package let globalAccount: Account
    package let statistics = BrokerStatistics()
    package let startTime: WallClock.Instant

    struct Registry {
        /// Client sessions, counted against `max_connections`.
        var clients: [UInt64: any ClientConnectionSession] = [:]
        /// Leafnode links (solicited and accepted, established or not); not counted against
        /// `max_connections`.
        var links: [UInt64: LeafSession] = [:]
        /// The established links, with the account each is bound to: they hear of its interest.
        var establishedLinks: [UInt64: (link: LeafSession, account: Account)] = [:]
        var deliveryLoops: [ObjectIdentifier: DeliveryLoop] = [:]
        var isLameDuck = false
        var isShuttingDown = false
    }

    let registry = NIOLockedValueBox(Registry())
    private let leafRemoteList = NIOLockedValueBox<[LeafRemote]>([])
    private let nextConnectionID = Atomic<UInt64>(1)
    /// Established leafnode links, readable without the lock (interest changes skip the
    /// leafnode fan-out when there is none).
    let establishedLinkCount = Atomic<Int>(0)
    /// `$LDS.<random>`: this server's loop-detection subject, announced to every leafnode peer.
    /// Receiving it back in an `LS+` means the links form a loop.
    package let loopDetectionSubject: String
    /// Where bcrypt hashes are computed (bounded; `nil`: on the caller's thread, for tests).
    let passwordPool: (any BlockingWorkPool)?
    /// Password checks waiting for or running on `passwordPool`.
    let pendingPasswordChecks = Atomic<Int>(0)

    package init(configuration: BrokerConfiguration, logger: Logger, passwordPool: (any BlockingWorkPool)? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.passwordPool = passwordPool
        self.reloadable = NIOLockedValueBox(Reloadable(authentication: configuration.authentication, clientTLS: configuration.clientTLS))
        self.globalAccount = Account(name: "$G", subjectCacheEnabled: configuration.subjectCacheEnabled)
        self.startTime = WallClock.now
        self.loopDetectionSubject = "$LDS." + ServerNonce.make(length: 22)
        var accounts = ["$G": globalAccount]
        for definition in configuration.accounts where accounts[definition.name] == nil {
            accounts[definition.name] = Account(name: definition.name, subjectCacheEnabled: configuration.subjectCacheEnabled)
        }
        self.accounts = accounts
        if configuration.leafNodes != nil {
            // Held by the server itself: it is interest like any other, so every link announces it.
            try? subscribeInternal(Subscription(internalSubject: loopDetectionSubject) { _ in })
        }
        imports.wire(configuration.accounts, accounts: accounts, broker: self)
    }

    // MARK: - Reload

    /// What a reload (SIGHUP) may change: users, passwords, permissions, tokens, and the
    /// client port's TLS certificates. Read at every CONNECT and accept.
    private struct Reloadable {
        var authentication: AuthenticationConfiguration
        var clientTLS: ServerTLS?
    }

    private let reloadable: NIOLockedValueBox<Reloadable>

    package var authentication: AuthenticationConfiguration { reloadable.withLockedValue { $0.authentication } }
    package var clientTLS: ServerTLS? { reloadable.withLockedValue { $0.clientTLS } }

    /// Applies a reloaded configuration: new connections see it at once; each open client
    /// connection has its CONNECT checked again on its own loop, and is closed if it is no
    /// longer allowed, or keeps going with its user's new permissions. Returns once every
    /// connection has been checked (as nats-server, which reports the reload only then): a
    /// client's next operation after the report is held to the new rules.
    package func reload(authentication: AuthenticationConfiguration, clientTLS: ServerTLS?) async {
        reloadable.withLockedValue {
            $0.authentication = authentication
            $0.clientTLS = clientTLS
        }
        let clients = self.clients
        guard !clients.isEmpty else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = NIOLockedValueBox(clients.count)
            for client in clients {
                client.transport.onLoop {
                    client.reauthorize {
                        let left = remaining.withLockedValue {
                            $0 -= 1
                            return $0
                        }
                        if left == 0 { continuation.resume() }
                    }
                }
            }
        }
    }

    // MARK: - Accounts

    /// Every account by name, `$G` included.
    package let accounts: [String: Account]
    private let imports = AccountImports()

    /// The account named `name`; `$G` for nil or an unknown name.
    package func account(named name: String?) -> Account {
        name.flatMap { accounts[$0] } ?? globalAccount
    }

    /// The configured leafnode remotes (set once by the server at start), for monitoring.
    package var leafRemotes: [LeafRemote] {
        get { leafRemoteList.withLockedValue { $0 } }
        set { leafRemoteList.withLockedValue { $0 = newValue } }
    }

    // MARK: - Sessions

    /// A new client id, in connection order (INFO `client_id`, /connz `cid`).
    package func makeConnectionID() -> UInt64 {
        nextConnectionID.add(1, ordering: .relaxed).oldValue
    }

    /// The delivery batcher of `eventLoop` (one per loop, made on first use).
    package func deliveryLoop(for eventLoop: any EventLoop) -> DeliveryLoop {
        let key = ObjectIdentifier(eventLoop)
        return registry.withLockedValue { registry in
            if let existing = registry.deliveryLoops[key] { return existing }
            let seed =
                UInt64(truncatingIfNeeded: WallClock.now.nanosecondsSince1970) ^ UInt64(registry.deliveryLoops.count + 1)
                &* 0x9E37_79B9_7F4A_7C15
            let loop = DeliveryLoop(eventLoop: eventLoop, seed: seed)
            registry.deliveryLoops[key] = loop
            return loop
        }
    }

    package func register(client: any ClientConnectionSession) -> Bool {
        statistics.totalConnections.add(1, ordering: .relaxed)
        return registry.withLockedValue { registry in
            if registry.isShuttingDown { return false }
            if registry.clients.count >= configuration.maxConnections { return false }
            registry.clients[client.transport.id] = client
            return true
        }
    }

    package func unregister(client: any ClientConnectionSession) {
        let removed = registry.withLockedValue { $0.clients.removeValue(forKey: client.transport.id) != nil }
        if removed { addToClosedTotals(client.transport) }
    }

    package func register(link: LeafSession) -> Bool {
        registry.withLockedValue { registry in
            if registry.isShuttingDown { return false }
            registry.links[link.transport.id] = link
            return true
        }
    }

    package func linkEstablished(_ link: LeafSession, account: Account) {
        registry.withLockedValue { registry in
            guard registry.links[link.transport.id] != nil else { return }
            registry.establishedLinks[link.transport.id] = (link, account)
            establishedLinkCount.store(registry.establishedLinks.count, ordering: .releasing)
        }
    }

    package func unregister(link: LeafSession) {
        let removed = registry.withLockedValue { registry in
            registry.establishedLinks.removeValue(forKey: link.transport.id)
            establishedLinkCount.store(registry.establishedLinks.count, ordering: .releasing)
            return registry.links.removeValue(forKey: link.transport.id) != nil
        }
        if removed { addToClosedTotals(link.transport) }
    }

    private func addToClosedTotals(_ transport: ConnectionTransport) {
        statistics.closedInMessages.add(transport.inMessages.load(ordering: .relaxed), ordering: .relaxed)
        statistics.closedInBytes.add(transport.inBytes.load(ordering: .relaxed), ordering: .relaxed)
        statistics.closedOutMessages.add(transport.outMessages.load(ordering: .relaxed), ordering: .relaxed)
        statistics.closedOutBytes.add(transport.outBytes.load(ordering: .relaxed), ordering: .relaxed)
    }

    /// The client sessions open now (leafnode links are in ``links``).
    package var clients: [any ClientConnectionSession] {
        registry.withLockedValue { Array($0.clients.values) }
    }

    /// The leafnode links open now, established or still in their handshake.
    package var links: [LeafSession] {
        registry.withLockedValue { Array($0.links.values) }
    }

    /// Whether an established leafnode link (either way, past its handshake and credentials)
    /// is bound to `account` now.
    package func hasLeafConnections(in account: Account) -> Bool {
        registry.withLockedValue { $0.establishedLinks.values.contains { $0.account === account } }
    }

    package var connectionCount: Int {
        registry.withLockedValue { $0.clients.count }
    }

    package var isLameDuck: Bool { registry.withLockedValue { $0.isLameDuck } }
}

/// Server-wide counters (closed connections' totals; live ones are summed on demand).
package final class BrokerStatistics: Sendable {
    package let totalConnections = Atomic<Int>(0)
    package let slowConsumers = Atomic<Int>(0)
    package let closedInMessages = Atomic<Int>(0)
    package let closedInBytes = Atomic<Int>(0)
    package let closedOutMessages = Atomic<Int>(0)
    package let closedOutBytes = Atomic<Int>(0)

    init() {}
}
