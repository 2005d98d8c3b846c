import Logging
import JetStream
import NIOConcurrencyHelpers
import NIOCore
import NKeys
import Synchronization

/// The server core: accounts, the connections, statistics, and what every connection needs to
/// know about the server (INFO, authentication).
///
/// Thread-safe: connections on every event loop call into it. Mutable state sits behind one lock
/// (`registry`), counters are atomics. Lock order: a connection's inbox lock and an account's
/// index lock are never held while taking `registry`.
package final class Broker: Sendable {
    package let configuration: BrokerConfiguration
    package let logger: Logger
    package let globalAccount: Account
    package let statistics = BrokerStatistics()
    package let startTime: WallClock.Instant

    private struct Registry {
        var connections: [UInt64: ClientConnection] = [:]
        /// Leafnode links (solicited and accepted); not counted against max_connections.
        var leafConnections: [UInt64: ClientConnection] = [:]
        var deliveryLoops: [ObjectIdentifier: DeliveryLoop] = [:]
        var isLameDuck = false
        var isShuttingDown = false
    }

    private let registry = Mutex(Registry())
    private let leafRemoteList = Mutex<[LeafRemote]>([])
    private let jetStreamStatusProvider = Mutex<(@Sendable (JetStreamDetailRequest?) async -> JetStreamStatus?)?>(nil)

    /// Which stream details `/jsz` asks for (`streams=true`, `consumers=true`, `config=true`).
    package struct JetStreamDetailRequest: Sendable {
        package var consumers: Bool
        package var config: Bool

        package init(consumers: Bool, config: Bool) {
            self.consumers = consumers
            self.config = config
        }
    }

    /// What /jsz shows, gathered by the JetStream runtime (nil without JetStream).
    package struct JetStreamStatus: Sendable {
        package var maxMemory: Int64
        package var maxStorage: Int64
        package var storeDirectory: String
        package var domain: String?
        package var memory: UInt64
        package var storage: UInt64
        package var streams: Int
        package var consumers: Int
        package var messages: UInt64
        package var bytes: UInt64
        package var apiTotal: UInt64
        package var apiErrors: UInt64
        /// Each account with JetStream, by name.
        package var accounts: [AccountStatus] = []

        /// One account's JetStream (`/jsz` `account_details`).
        package struct AccountStatus: Sendable {
            package var name: String
            package var memory: UInt64
            package var storage: UInt64
            package var apiTotal: UInt64
            package var apiErrors: UInt64
            /// The account's own limits; -1: none.
            package var maxMemory: Int64
            package var maxStorage: Int64
            /// The streams, when details were asked for.
            package var streamDetails: [JetStreamStreamDetail]?

            package init(name: String, memory: UInt64, storage: UInt64, apiTotal: UInt64, apiErrors: UInt64, maxMemory: Int64, maxStorage: Int64) {
                self.name = name
                self.memory = memory
                self.storage = storage
                self.apiTotal = apiTotal
                self.apiErrors = apiErrors
                self.maxMemory = maxMemory
                self.maxStorage = maxStorage
            }
        }

        package init(maxMemory: Int64, maxStorage: Int64, storeDirectory: String, domain: String?, memory: UInt64, storage: UInt64,
                     streams: Int, consumers: Int, messages: UInt64, bytes: UInt64, apiTotal: UInt64, apiErrors: UInt64) {
            self.maxMemory = maxMemory
            self.maxStorage = maxStorage
            self.storeDirectory = storeDirectory
            self.domain = domain
            self.memory = memory
            self.storage = storage
            self.streams = streams
            self.consumers = consumers
            self.messages = messages
            self.bytes = bytes
            self.apiTotal = apiTotal
            self.apiErrors = apiErrors
        }
    }

    /// Set once JetStream runs.
    package func setJetStreamStatusProvider(_ provider: @escaping @Sendable (JetStreamDetailRequest?) async -> JetStreamStatus?) {
        jetStreamStatusProvider.withLock { $0 = provider }
    }

    /// The accounts JetStream runs in (set once at start), for `/accountz`.
    package var jetStreamAccountNames: Set<String> {
        get { jetStreamAccounts.withLock { $0 } }
        set { jetStreamAccounts.withLock { $0 = newValue } }
    }
    private let jetStreamAccounts = Mutex<Set<String>>([])

    package func jetStreamStatus(details: JetStreamDetailRequest? = nil) async -> JetStreamStatus? {
        guard let provider = jetStreamStatusProvider.withLock({ $0 }) else { return nil }
        return await provider(details)
    }

    /// The configured leafnode remotes (set once by the server at start), for monitoring.
    package var leafRemotes: [LeafRemote] {
        get { leafRemoteList.withLock { $0 } }
        set { leafRemoteList.withLock { $0 = newValue } }
    }
    private let nextConnectionID = Atomic<UInt64>(1)
    /// Leafnode links registered, readable without the lock (interest changes skip the
    /// leafnode fan-out when there is none).
    private let leafConnectionCount = Atomic<Int>(0)
    /// `$LDS.<random>`: this server's loop-detection subject, announced to every leafnode peer.
    /// Receiving it back in an `LS+` means the links form a loop.
    package let loopDetectionSubject: String

    package init(configuration: BrokerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
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
    /// longer allowed, or keeps going with its user's new permissions.
    package func reload(authentication: AuthenticationConfiguration, clientTLS: ServerTLS?) {
        reloadable.withLockedValue {
            $0.authentication = authentication
            $0.clientTLS = clientTLS
        }
        for connection in registry.withLock({ Array($0.connections.values) }) {
            connection.onLoop { connection.reauthorize() }
        }
    }

    /// Every account by name, `$G` included.
    package let accounts: [String: Account]
    private let imports = AccountImports()

    /// The account named `name`; `$G` for nil or an unknown name.
    package func account(named name: String?) -> Account {
        name.flatMap { accounts[$0] } ?? globalAccount
    }

    // MARK: - Connections

    /// A new client id, in connection order (INFO `client_id`, /connz `cid`).
    package func makeConnectionID() -> UInt64 {
        nextConnectionID.add(1, ordering: .relaxed).oldValue
    }

    /// The delivery batcher of `eventLoop` (one per loop, made on first use).
    package func deliveryLoop(for eventLoop: any EventLoop) -> DeliveryLoop {
        let key = ObjectIdentifier(eventLoop)
        return registry.withLock { registry in
            if let existing = registry.deliveryLoops[key] { return existing }
            let loop = DeliveryLoop(eventLoop: eventLoop, seed: UInt64(truncatingIfNeeded: WallClock.now.nanosecondsSince1970) ^ UInt64(registry.deliveryLoops.count + 1) &* 0x9E37_79B9_7F4A_7C15)
            registry.deliveryLoops[key] = loop
            return loop
        }
    }

    /// Adds a connection; `false` when `max_connections` is reached or the server is stopping.
    func register(_ connection: ClientConnection) -> Bool {
        if connection.isLeaf { return registerLeaf(connection) }
        statistics.totalConnections.add(1, ordering: .relaxed)
        return registry.withLock { registry in
            if registry.isShuttingDown { return false }
            if registry.connections.count >= configuration.maxConnections { return false }
            registry.connections[connection.id] = connection
            return true
        }
    }

    func unregister(_ connection: ClientConnection, reason: ClientConnection.CloseReason) {
        let removed = registry.withLock { registry in
            if connection.isLeaf {
                guard registry.leafConnections.removeValue(forKey: connection.id) != nil else { return false }
                leafConnectionCount.store(registry.leafConnections.count, ordering: .releasing)
                return true
            }
            return registry.connections.removeValue(forKey: connection.id) != nil
        }
        guard removed else { return }
        statistics.closedInMessages.add(connection.inMessages.load(ordering: .relaxed), ordering: .relaxed)
        statistics.closedInBytes.add(connection.inBytes.load(ordering: .relaxed), ordering: .relaxed)
        statistics.closedOutMessages.add(connection.outMessages.load(ordering: .relaxed), ordering: .relaxed)
        statistics.closedOutBytes.add(connection.outBytes.load(ordering: .relaxed), ordering: .relaxed)
    }

    /// The client connections open now (leafnode links are in ``leafConnections``).
    package var connections: [ClientConnection] {
        registry.withLock { Array($0.connections.values) }
    }

    /// The leafnode links open now, established or still in their handshake.
    package var leafConnections: [ClientConnection] {
        registry.withLock { Array($0.leafConnections.values) }
    }

    /// Whether an established leafnode link (either way, past its handshake and credentials)
    /// is bound to `account` now.
    package func hasLeafConnections(in account: Account) -> Bool {
        registry.withLock { $0.leafConnections.values.contains { $0.account === account && $0.state == .connected } }
    }

    private func registerLeaf(_ connection: ClientConnection) -> Bool {
        registry.withLock { registry in
            if registry.isShuttingDown { return false }
            registry.leafConnections[connection.id] = connection
            leafConnectionCount.store(registry.leafConnections.count, ordering: .releasing)
            return true
        }
    }

    package var connectionCount: Int {
        registry.withLock { $0.connections.count }
    }

    package var isLameDuck: Bool { registry.withLock { $0.isLameDuck } }

    // MARK: - Authentication

    /// Whether a connection must send CONNECT before anything else (auth is required).
    var requiresConnectFirst: Bool { authentication.isRequired }

    /// Who a CONNECT proves to be, or `nil` for "Authorization Violation": a token, a user and
    /// password (plain or bcrypt), or an nkey user's signature of the nonce we sent (`nonce`).
    /// Plain passwords and tokens are compared in constant time.
    /// `certificate`: on a `verify_and_map` listener, what the client's certificate says (the
    /// user then comes from it, not from CONNECT, unless CONNECT proves an nkey user).
    func authenticate(_ options: ConnectOptions, nonce: String?, connectionType: String, certificate: CertificateIdentity? = nil) -> AuthenticatedClient? {
        let authentication = self.authentication
        guard authentication.isRequired else { return AuthenticatedClient(account: globalAccount, user: nil) }
        if let token = authentication.token {
            guard let offered = options.authToken, constantTimeEquals(offered, token) else { return nil }
            return AuthenticatedClient(account: globalAccount, user: nil)
        }
        if let certificate, options.nkey == nil || !authentication.hasNKeyUsers {
            // As nats-server: the certificate names the user, and a password configured for that
            // user must still be sent (a user without one: no password, or an empty one).
            guard let user = Self.user(mappedFrom: certificate, among: authentication.users, connectionType: connectionType),
                PasswordCheck.matches(offered: options.password ?? "", configured: user.password)
            else { return nil }
            return AuthenticatedClient(account: account(named: user.account), user: user)
        }
        if options.user == nil && options.password == nil && options.authToken == nil && options.nkey == nil {
            return noAuthUserClient(connectionType: connectionType)
        }
        if let nkey = options.nkey, authentication.hasNKeyUsers {
            guard let nonce, let user = authentication.users.first(where: { $0.nkey == nkey && $0.allows(connectionType) }),
                let signature = options.signature.flatMap(Self.decodeSignature),
                NKeys.verify(publicKey: nkey, signature: signature, data: Array(nonce.utf8))
            else { return nil }
            return AuthenticatedClient(account: account(named: user.account), user: user)
        }
        guard let name = options.user, let password = options.password,
            let user = authentication.users.first(where: { $0.nkey == nil && $0.user == name && $0.allows(connectionType) }),
            PasswordCheck.matches(offered: password, configured: user.password)
        else { return nil }
        return AuthenticatedClient(account: account(named: user.account), user: user)
    }

    /// The user a certificate names, tried as nats-server tries them: each e-mail address, DNS
    /// name and URI as a user name; the subject as a distinguished name equal to a user's (its
    /// RDNs in any order); the subject in Go's pkix string form as a user name, with its domain
    /// components appended and then without.
    static func user(mappedFrom certificate: CertificateIdentity, among users: [UserCredentials], connectionType: String) -> UserCredentials? {
        let candidates = users.filter { $0.nkey == nil && !$0.user.isEmpty && $0.allows(connectionType) }
        for name in certificate.alternativeNames where !name.isEmpty {
            if let user = candidates.first(where: { $0.user == name }) { return user }
        }
        let subject = certificate.distinguishedName
        if !subject.rdns.isEmpty {
            for user in candidates {
                if let named = DistinguishedName(parsing: user.user), named.matchesInAnyOrder(subject) { return user }
            }
        }
        for name in [certificate.pkixStringWithDomainComponents, certificate.pkixString].compactMap({ $0 }) where !name.isEmpty {
            if let user = candidates.first(where: { $0.user == name }) { return user }
        }
        return nil
    }

    /// Whether checking `options` means a bcrypt hash (slow: done off the event loop). On a
    /// `verify_and_map` listener (`certificate`) any password sent is checked that way: the
    /// certificate, not CONNECT, names the user whose password it is.
    func needsSlowPasswordCheck(_ options: ConnectOptions, certificate: CertificateIdentity? = nil) -> Bool {
        if certificate != nil && options.password != nil { return true }
        guard let name = options.user, options.password != nil else { return false }
        let authentication = self.authentication
        if authentication.token != nil || (options.nkey != nil && authentication.hasNKeyUsers) { return false }
        return authentication.users.contains { $0.nkey == nil && $0.user == name && PasswordCheck.isBcryptHash($0.password) }
    }

    /// A CONNECT `sig`: base64url without padding, as clients send it; standard base64 is
    /// accepted too, as nats-server does.
    private static func decodeSignature(_ text: String) -> [UInt8]? {
        if let bytes = NKeys.unbase64URL(text) { return bytes }
        let urlForm = String(text.compactMap { character -> Character? in
            switch character {
            case "+": "-"
            case "/": "_"
            case "=": nil
            default: character
            }
        })
        return NKeys.unbase64URL(urlForm)
    }

    /// The `no_auth_user`, if one is configured and exists.
    func noAuthUserClient(connectionType: String = "STANDARD") -> AuthenticatedClient? {
        let authentication = self.authentication
        guard let noAuthUser = authentication.noAuthUser,
            let user = authentication.users.first(where: { $0.nkey == nil && $0.user == noAuthUser && $0.allows(connectionType) })
        else { return nil }
        return AuthenticatedClient(account: account(named: user.account), user: user)
    }

    // MARK: - INFO

    /// The INFO JSON for one connection, fields in nats-server's order.
    func infoJSON(for connection: ClientConnection, lameDuck: Bool = false) -> String {
        var json = infoPreamble(host: configuration.host, port: configuration.port)
        let authentication = self.authentication
        if authentication.isRequired && noAuthUserClient() == nil {
            json.add("auth_required", true)
        }
        if let tls = clientTLS, !connection.isWebSocket {
            json.add("tls_required", true)
            if tls.verifyClients { json.add("tls_verify", true) }
        }
        json.add("max_payload", configuration.maxPayload)
        if configuration.jetStreamEnabled { json.add("jetstream", true) }
        if configuration.jetStreamEnabled, let domain = configuration.jetStreamDomain, !domain.isEmpty { json.add("domain", domain) }
        json.add("client_id", Int(connection.id))
        json.add("client_ip", connection.remoteHost)
        if let nonce = connection.sentNonce { json.add("nonce", nonce) }
        if lameDuck { json.add("ldm", true) }
        return json.finished()
    }

    /// The fields every INFO starts with (client and leafnode ports), in nats-server's order.
    func infoPreamble(host: String, port: Int) -> JSONWriter {
        var json = JSONWriter()
        json.add("server_id", configuration.serverID)
        json.add("server_name", configuration.serverName)
        json.add("version", BrokerConfiguration.protocolFeatureLevel)
        json.add("proto", BrokerConfiguration.protocolVersion)
        json.add("go", "outpost \(configuration.outpostVersion)")
        json.add("host", host)
        json.add("port", port)
        json.add("headers", configuration.headersSupported)
        return json
    }

    // MARK: - Interest

    func subscriptionAdded(_ subscription: Subscription, account: Account) {
        notifyLeafnodes(subscription, account: account, isAdded: true)
    }

    func subscriptionRemoved(_ subscription: Subscription, account: Account) {
        notifyLeafnodes(subscription, account: account, isAdded: false)
    }

    /// A subscription came or went: each leafnode link of that account decides, on its own
    /// loop, whether its peer must hear of it.
    private func notifyLeafnodes(_ subscription: Subscription, account: Account, isAdded: Bool) {
        guard leafConnectionCount.load(ordering: .acquiring) > 0 else { return }
        for leaf in leafConnections where leaf.account === account {
            leaf.onLoop { leaf.leafInterestChanged(subscription, isAdded: isAdded) }
        }
    }

    // MARK: - Internal subscriptions

    /// Subscribes a server-side handler in `account`.
    package func subscribeInternal(_ subscription: Subscription, account: Account? = nil) throws {
        let account = account ?? globalAccount
        try account.insert(subscription)
        subscriptionAdded(subscription, account: account)
    }

    package func unsubscribeInternal(_ subscription: Subscription, account: Account? = nil) {
        let account = account ?? globalAccount
        subscription.isClosed.store(true, ordering: .relaxed)
        if account.remove(subscription) { subscriptionRemoved(subscription, account: account) }
    }

    // MARK: - Shutdown and lame duck

    /// Stops accepting, closes every connection (after writing what is pending) and returns
    /// when all are closed.
    package func shutDown() async {
        let connections = registry.withLock { registry in
            registry.isShuttingDown = true
            return Array(registry.connections.values) + Array(registry.leafConnections.values)
        }
        await closeAll(connections, reason: .serverShutdown)
    }

    private func closeAll(_ connections: [ClientConnection], reason: ClientConnection.CloseReason) async {
        var futures: [EventLoopFuture<Void>] = []
        for connection in connections {
            futures.append(connection.eventLoop.submit { connection.close(reason: reason) })
        }
        for future in futures { try? await future.get() }
    }

    /// Lame duck mode (SIGUSR2): refuse new clients, tell connected ones (INFO `ldm: true`) so
    /// they move elsewhere, then close them spread over `lame_duck_duration`, after a grace period.
    package func enterLameDuckMode() async {
        let connections = registry.withLock { registry in
            registry.isLameDuck = true
            registry.isShuttingDown = true
            return Array(registry.connections.values)
        }
        logger.notice("Entering lame duck mode, stop accepting new clients")
        for connection in connections {
            connection.onLoop {
                connection.sendLameDuckInfo()
            }
        }
        let grace = configuration.lameDuckGracePeriod
        let duration = configuration.lameDuckDuration
        guard !connections.isEmpty else { return }
        try? await Task.sleep(for: grace)
        logger.notice("Closing existing clients")
        // Spread the closes over the rest of the duration, as the reference does.
        let remaining = duration > grace ? duration - grace : .zero
        let pause = remaining / max(connections.count, 1)
        for connection in connections {
            connection.onLoop { connection.close(reason: .lameDuck) }
            if pause > .zero { try? await Task.sleep(for: min(pause, .seconds(1))) }
        }
    }
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

/// Compares secrets without an early exit, so timing does not reveal how much matched.
func constantTimeEquals(_ offered: String, _ expected: String) -> Bool {
    let a = Array(offered.utf8)
    let b = Array(expected.utf8)
    var difference = UInt8(a.count == b.count ? 0 : 1)
    let count = max(a.count, b.count)
    for index in 0..<count {
        let x = index < a.count ? a[index] : 0
        let y = index < b.count ? b[index] : 0
        difference |= x ^ y
    }
    return difference == 0
}

extension ClientConnection {
    func sendLameDuckInfo() {
        guard state != .closed else { return }
        outbound.writeInfo(json: broker.infoJSON(for: self, lameDuck: true))
        markForFlush()
    }
}
