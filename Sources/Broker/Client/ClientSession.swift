import Logging
import NATSWire
import NIOCore
import Subjects

/// One NATS client (nats-server `server/client.go` for kind CLIENT): the protocol's state over a
/// ``ConnectionTransport`` — CONNECT and credentials, subscriptions, publishes, the `MSG` frames
/// it is sent.
///
/// Threading: everything here belongs to the transport's event loop (checked in debug builds at
/// every entry point). Publishers on other loops reach ``deliver(_:subject:reply:headerLength:payload:)``
/// through the transport's inbox, so message counters, auto-unsubscribe counts and the outbound
/// buffer each have one writer.
package final class ClientSession: ProtocolSession, MessageSubscriber, ClientConnectionSession, @unchecked Sendable {
    package typealias Parser = ProtocolParser

    enum State {
        /// INFO sent; waiting for CONNECT (ops other than CONNECT are refused if auth is required).
        case awaitingConnect
        case connected
        case closed
    }

    /// The limits a client session applies, read once from the configuration.
    struct Limits {
        var maxSubscriptions: Int
        var headersSupported: Bool
        var maxTracedMessageLength: Int
        var pingInterval: Duration
        var pingMaxOutstanding: Int
    }

    package let transport: ConnectionTransport
    let host: any SessionHost
    let limits: Limits
    var logger: Logger { transport.logger }
    /// Whether the client came through the WebSocket listener.
    let isWebSocket: Bool
    /// nats-server's name for the transport, as `allowed_connection_types` lists it.
    var connectionType: String { isWebSocket ? "WEBSOCKET" : "STANDARD" }

    // MARK: Loop state

    var state = State.awaitingConnect
    package internal(set) var options = ConnectOptions()
    var account: Account
    /// The authenticated user's permissions; nil when it may do anything.
    var permissions: ClientPermissions?
    /// The user, for violation log lines ("User \"alice\"").
    var userLogName: String?
    /// The nonce our INFO carried, for nkey users to sign.
    var sentNonce: String?
    /// `verify_and_map`: the user comes from the client's certificate, read after the handshake.
    var mapsCertificateToUser = false
    /// Both sides support headers (our config and the client's CONNECT).
    var headersEnabled = false
    var echo = true
    var subscriptions: [String: Subscription] = [:]
    var authTimeoutTask: Scheduled<Void>?
    /// This session's own small cache of match results; dropped when the account's subject
    /// index changes (nats-server `c.in.results` with `genid`).
    let resultCache = SubjectMatchCache<SubjectMatch<Subscription>>(capacityLimit: 256, sweepTarget: 128)
    var resultCacheGeneration: UInt64 = 0

    init(host: any SessionHost, transport: ConnectionTransport, isWebSocket: Bool) {
        let configuration = host.configuration
        self.host = host
        self.transport = transport
        self.isWebSocket = isWebSocket
        self.account = host.globalAccount
        self.limits = Limits(
            maxSubscriptions: configuration.maxSubscriptions,
            headersSupported: configuration.headersSupported,
            maxTracedMessageLength: configuration.maxTracedMessageLength,
            pingInterval: configuration.pingInterval,
            pingMaxOutstanding: configuration.pingMaxOutstanding
        )
    }

    /// The channel handler of a client connection (client port, or WebSocket after its upgrade).
    package static func channelHandler(host: any SessionHost, logger: Logger, webSocket: Bool = false) -> SessionChannelHandler {
        let configuration = host.configuration
        let parserLimits = ProtocolParser.Limits(maxControlLine: configuration.maxControlLine, maxPayload: configuration.maxPayload)
        return SessionChannelHandler(startsWhenAdded: webSocket, logger: logger) { context in
            let transport = host.makeTransport(for: context, logger: logger, kindName: "Client", idLabel: "cid")
            let session = ClientSession(host: host, transport: transport, isWebSocket: webSocket)
            return .make(session: session, parser: ProtocolParser(limits: parserLimits), context: context)
        }
    }

    // MARK: - Lifecycle

    /// The channel is up: send INFO, start the timers, register with the broker.
    package func start() {
        transport.eventLoop.assertInEventLoop()
        logger.debug("\(transport.logPrefix) - Client connection created")
        if host.authentication.hasNKeyUsers { sentNonce = ServerNonce.make(length: 15) }
        // A WebSocket's TLS (wss://) is the listener's, below the HTTP upgrade.
        let tls = isWebSocket ? nil : host.clientTLS
        if let tls {
            mapsCertificateToUser = tls.mapsCertificateToUser
            if tls.handshakeFirst, !transport.beginServerTLS(tls) { return }
        }
        transport.outbound.writeInfo(json: infoJSON(lameDuck: false))
        if !host.register(client: self) {
            // nats-server sends INFO first, then refuses.
            sendError("maximum connections exceeded")
            close(reason: .maxConnectionsExceeded)
            return
        }
        if let tls, !tls.handshakeFirst {
            transport.flushNow()  // the INFO goes out in plain text; everything after it through TLS
            if tls.allowsNonTLS {
                transport.tlsOnClientHello = tls  // the client's first byte decides
            } else if !transport.beginServerTLS(tls) {
                return
            }
        }
        // nats-server pings from the start, CONNECT or not: a silent socket goes stale.
        startLiveness()
        let authentication = host.authentication
        if authentication.isRequired {
            authTimeoutTask = transport.eventLoop.scheduleTask(in: TimeAmount(authentication.timeout)) { [self] in
                guard state == .awaitingConnect else { return }
                sendError("Authentication Timeout")
                close(reason: .authenticationTimeout)
            }
        }
        transport.flushNow()
    }

    func startLiveness() {
        transport.startLiveness(.pingPong(interval: limits.pingInterval, maxOutstanding: limits.pingMaxOutstanding, alwaysPing: false))
    }

    private func infoJSON(lameDuck: Bool) -> String {
        host.clientInfoJSON(
            clientID: transport.id, clientIP: transport.remoteHost, nonce: sentNonce, isWebSocket: isWebSocket, lameDuck: lameDuck)
    }

    func close(reason: CloseReason) {
        transport.close(reason: reason)
    }

    package func transportWillClose(reason: CloseReason) {
        state = .closed
        authTimeoutTask?.cancel()
        authTimeoutTask = nil
        for subscription in subscriptions.values {
            subscription.isClosed.store(true, ordering: .relaxed)
            account.remove(subscription)
            host.interestChanged(subscription, account: account, isAdded: false)
        }
        subscriptions.removeAll()
        resultCache.removeAll()
        host.unregister(client: self)
        logger.debug("\(transport.logPrefix) - Client connection closed: \(reason.rawValue)")
    }

    // MARK: - Liveness

    package func writeKeepalive() {
        if transport.isTracing { transport.trace("->> [PING]") }
        transport.outbound.writePing()
    }

    package func livenessExpired() {
        sendError("Stale Connection")
    }

    // MARK: - Writing

    func sendError(_ text: String) {
        transport.sendError(text)
    }

    func sendOK() {
        if transport.isTracing { transport.trace("->> [OK]") }
        transport.outbound.writeOK()
        transport.markForFlush()
    }

    // MARK: - Broker requests

    package func announceLameDuck() {
        transport.eventLoop.assertInEventLoop()
        guard state != .closed else { return }
        transport.outbound.writeInfo(json: infoJSON(lameDuck: true))
        transport.markForFlush()
    }

    /// A snapshot for /connz. On the loop only.
    package func snapshot() -> ConnectionSnapshot {
        transport.eventLoop.assertInEventLoop()
        var snapshot = ConnectionSnapshot(transport: transport, account: account.name)
        snapshot.subscriptionCount = subscriptions.count
        snapshot.subscriptions = subscriptions.values.map(\.subject)
        snapshot.subscriptionDetails = subscriptions.values
            .map { SubscriptionDetail(subject: $0.subject, queue: $0.queue, sid: $0.sidString, messages: $0.delivered) }
            .sorted { $0.sid < $1.sid }
        snapshot.name = options.name
        snapshot.language = options.language
        snapshot.version = options.version
        return snapshot
    }
}
