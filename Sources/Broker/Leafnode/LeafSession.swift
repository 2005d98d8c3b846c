import Leafnode
import Logging
import NATSWire
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One leafnode link (nats-server `server/leafnode.go`), either way: we dialled a hub (a spoke's
/// uplink, `remote` set) or a leafnode below us dialled our leafnode port. The protocol's
/// decisions are the pure ``LeafLinkStateMachine``'s; this type parses, decodes, and carries out
/// the actions it returns over the ``ConnectionTransport``: writes, TLS, timers, the peer's
/// interest in the subject index, messages both ways.
///
/// Threading: everything here belongs to the transport's event loop (checked in debug builds at
/// every entry point); ``isSolicitedLink``, ``remote`` and ``transport`` are immutable and read
/// from any thread.
package final class LeafSession: ProtocolSession, FanoutLink, @unchecked Sendable {
    package typealias Parser = ProtocolParser

    package let transport: ConnectionTransport
    let host: any SessionHost
    /// The remote we dialled (we are the spoke), with the URL in use; nil on the leafnode port.
    package let remote: LeafRemote?
    let url: LeafURL?
    package let isSolicitedLink: Bool
    var logger: Logger { transport.logger }

    // MARK: Loop state

    var link: LeafLinkStateMachine<Subscription>
    /// The account the link is bound to: the remote's, or the leafnode user's once its CONNECT
    /// is accepted.
    var account: Account
    /// Both sides support headers.
    var headersEnabled = false
    /// The peer's interest, by `subject` or `subject queue`.
    var subscriptions: [String: Subscription] = [:]
    var handshakeTimer: Scheduled<Void>?
    /// What to call when the PONG to a PING we sent comes (`true`) or the link closes first
    /// (`false`), by the waiter id the state machine keeps in PING order.
    var pongWaiters: [UInt64: (Bool) -> Void] = [:]
    var lastPongWaiterID: UInt64 = 0

    init(host: any SessionHost, transport: ConnectionTransport, remote: (LeafRemote, LeafURL)?) {
        let configuration = host.configuration
        self.host = host
        self.transport = transport
        self.remote = remote?.0
        self.url = remote?.1
        self.isSolicitedLink = remote != nil
        let linkConfiguration = LeafLinkStateMachine<Subscription>.Configuration(
            serverName: configuration.serverName, jetStreamEnabled: configuration.jetStreamEnabled,
            jetStreamDomain: configuration.jetStreamDomain, loopDetectionSubject: host.loopDetectionSubject
        )
        let role: LeafLinkStateMachine<Subscription>.Role
        if let (remote, url) = remote {
            let remoteConfiguration = remote.configuration
            role = .solicited(
                .init(
                    url: url.description, requiresTLS: url.requiresTLS || remoteConfiguration.tls != nil,
                    lists: .init(
                        denyImports: remoteConfiguration.denyImports, denyExports: remoteConfiguration.denyExports,
                        storeAndForwardSubjects: remoteConfiguration.storeAndForward?.subjects ?? [])
                ))
            self.account = host.account(named: remoteConfiguration.account)
        } else {
            let leafNodes = configuration.leafNodes
            let tls = leafNodes?.tls.map { $0.handshakeFirst ? LeafLinkStateMachine<Subscription>.TLSOrder.beforeInfo : .afterInfo }
            role = .accepted(
                .init(
                    tls: tls, authenticationTimeout: leafNodes?.authTimeout ?? .seconds(2),
                    requiresAuthentication: !(leafNodes?.users.isEmpty ?? true) || !(leafNodes?.nkeys.isEmpty ?? true),
                    nonce: ServerNonce.make(length: 11)
                ))
            self.account = host.globalAccount
        }
        self.link = LeafLinkStateMachine(configuration: linkConfiguration, role: role)
    }

    /// The channel handler of a leafnode link: accepted on the leafnode port (`remote` nil) or
    /// dialled to `remote`.
    package static func channelHandler(host: any SessionHost, logger: Logger, remote: (LeafRemote, LeafURL)?) -> SessionChannelHandler {
        let configuration = host.configuration
        // Interest lines carry long subjects (a hub's whole account); the payload limit is ours.
        let parserLimits = ProtocolParser.Limits(
            maxControlLine: max(configuration.maxControlLine, 64 * 1024), maxPayload: configuration.maxPayload)
        return SessionChannelHandler(logger: logger) { context in
            let transport = host.makeTransport(for: context, logger: logger, kindName: "Leafnode", idLabel: "lid")
            let session = LeafSession(host: host, transport: transport, remote: remote)
            return .make(session: session, parser: ProtocolParser(dialect: .leaf, limits: parserLimits), context: context)
        }
    }

    // MARK: - Lifecycle

    package func start() {
        transport.eventLoop.assertInEventLoop()
        guard host.register(link: self) else {
            transport.close(reason: .serverShutdown)
            return
        }
        run(link.start())
    }

    /// The link is up: announce our interest, start pings, let the store-and-forward buffer send.
    private func linkEstablished() {
        transport.handshakeCompleted()
        logger.info("\(transport.logPrefix) - Leafnode connection created for account: \(account.name)")
        // From now on the link hears of the account's changes; the snapshot after that may name a
        // subscription a change names too, which the interest table counts once.
        host.linkEstablished(self, account: account)
        var snapshot: [(token: Subscription, subject: String, queue: String?, origin: LeafLinkStateMachine<Subscription>.InterestOrigin)] =
            []
        account.forEachSubscription { snapshot.append(($0, $0.subject, $0.queue, origin(of: $0))) }
        run(link.announcements(for: snapshot))
        transport.flushNow()
        let configuration = host.configuration
        transport.startLiveness(
            .pingPong(interval: configuration.pingInterval, maxOutstanding: configuration.pingMaxOutstanding, alwaysPing: isSolicitedLink))
        remote?.forwardBuffer?.linkUp(self)
    }

    package func transportWillClose(reason: CloseReason) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        let wasEstablished = link.isEstablished
        for waiter in link.closed() { pongWaiters.removeValue(forKey: waiter)?(false) }
        for waiter in pongWaiters.values { waiter(false) }
        pongWaiters.removeAll()
        remote?.forwardBuffer?.linkDown(self)
        logger.info("\(transport.logPrefix) - Leafnode connection closed: \(reason.rawValue)")
        remote?.linkClosed(reason: reason.rawValue, wasEstablished: wasEstablished)
        for subscription in subscriptions.values {
            subscription.isClosed.store(true, ordering: .relaxed)
            account.remove(subscription)
            host.interestChanged(subscription, account: account, isAdded: false)
        }
        subscriptions.removeAll()
        host.unregister(link: self)
    }

    func close(reason: CloseReason) {
        transport.close(reason: reason)
    }

    // MARK: - Liveness

    package func writeKeepalive() {
        if transport.isTracing { transport.trace("->> [PING]") }
        transport.outbound.writePing()
        link.pingSent(waiter: nil)
    }

    package func livenessExpired() {
        sendError("Stale Connection")
    }

    /// Writes a PING whose PONG calls `completion(true)` (`false` if the link closes first).
    /// PONGs answer PINGs in order, so the PONG confirms that the peer has processed everything
    /// written before the PING.
    func writePing(completion: @escaping (Bool) -> Void) {
        lastPongWaiterID &+= 1
        pongWaiters[lastPongWaiterID] = completion
        transport.outbound.writePing()
        link.pingSent(waiter: lastPongWaiterID)
    }

    // MARK: - Actions

    /// Carries out what the state machine decided, in order, stopping once the link closes.
    func run(_ actions: [LeafLinkStateMachine<Subscription>.Action]) {
        for action in actions {
            guard !transport.isClosed else { return }
            switch action {
            case .sendInfo(let connectInfo):
                transport.outbound.writeInfo(json: infoJSON(connectInfo: connectInfo))
            case .sendConnect(let nonce):
                guard let remote, let url else { break }
                transport.outbound.writeString("CONNECT ")
                transport.outbound.writeString(connectJSON(url: url, remote: remote, nonce: nonce))
                transport.outbound.writeStaticString("\r\n")
            case .sendError(let text):
                sendError(text)
            case .sendInterest(let update):
                write(update)
                transport.markForFlush()
            case .flush:
                transport.flushNow()
            case .startServerTLS:
                guard let tls = host.configuration.leafNodes?.tls, transport.beginServerTLS(tls) else { return }
            case .startClientTLS:
                guard let remote, let url else { break }
                guard let tls = remote.configuration.tls ?? ClientTLS.systemDefault() else {
                    logger.error("\(transport.logPrefix) - Leafnode hub requires TLS and no TLS context could be made")
                    remote.recordFailure("TLS required")
                    close(reason: .tlsHandshakeError)
                    return
                }
                if !transport.beginClientTLS(tls, host: url.host) { return }
            case .scheduleHandshakeTimeout(let duration):
                handshakeTimer?.cancel()
                handshakeTimer = transport.eventLoop.scheduleTask(in: TimeAmount(duration)) { [self] in
                    handshakeTimer = nil
                    run(link.handshakeTimeoutFired())
                }
            case .cancelHandshakeTimeout:
                handshakeTimer?.cancel()
                handshakeTimer = nil
            case .authenticate(let connect):
                authenticate(connect)
            case .adoptPeer(_, _, let headers):
                headersEnabled = host.configuration.headersSupported && headers
                transport.setPeerDescription(link.peerLogName, idLabel: "lid")
            case .learnURLs(let urls):
                if let url { remote?.learn(urls: urls, from: url) }
            case .reportStatus(let status):
                remote?.report(status)
            case .recordFailure(let text):
                remote?.recordFailure(text)
            case .delayReconnect(let duration):
                remote?.delayNextAttempt(by: duration)
            case .established:
                linkEstablished()
            case .takePeerInterest(let subject, let queue):
                takePeerInterest(subject: subject, queue: queue)
            case .completePongWaiter(let waiter):
                pongWaiters.removeValue(forKey: waiter)?(true)
            case .log(let level, let text):
                switch level {
                case .debug: logger.debug("\(transport.logPrefix) - \(text)")
                case .info: logger.info("\(transport.logPrefix) - \(text)")
                case .error: logger.error("\(transport.logPrefix) - \(text)")
                }
            case .close(let cause):
                close(reason: Self.closeReason(cause))
                return
            }
        }
    }

    private static func closeReason(_ cause: LeafLinkStateMachine<Subscription>.CloseCause) -> CloseReason {
        switch cause {
        case .readError: .readError
        case .protocolViolation: .protocolViolation
        case .staleConnection: .staleConnection
        case .authenticationTimeout: .authenticationTimeout
        case .authenticationViolation: .authenticationViolation
        case .tlsHandshakeError: .tlsHandshakeError
        }
    }

    /// Checks a leafnode peer's credentials (on the password pool when that hashes) and binds
    /// its user's account before any interest is exchanged.
    private func authenticate(_ connect: LeafConnectMessage) {
        let host = self.host
        guard case .accepted(let listener) = link.role else { return }
        let nonce = listener.nonce
        let finish: @Sendable (Account?) -> Void = { [self] account in
            guard !transport.isClosed else { return }
            if let account { self.account = account }
            run(link.authenticationCompleted(accepted: account != nil))
        }
        guard host.needsSlowLinkCheck(connect) else {
            finish(host.authenticateLink(connect, nonce: nonce))
            return
        }
        transport.pauseReading()
        host.checkCredentials(on: transport.eventLoop, refusal: nil) {
            host.authenticateLink(connect, nonce: nonce)
        } then: { [self] account in
            finish(account)
            transport.resumeReading()
        }
    }

    func sendError(_ text: String) {
        transport.sendError(text)
    }

    /// /leafz's view of the link. On its loop.
    func snapshot() -> ConnectionSnapshot {
        transport.eventLoop.assertInEventLoop()
        var snapshot = ConnectionSnapshot(transport: transport, account: account.name)
        snapshot.subscriptionCount = subscriptions.count
        snapshot.subscriptions = subscriptions.values.map(\.subject)
        snapshot.isSolicitedLeaf = isSolicitedLink
        snapshot.leafPeerName = link.peerLogName
        return snapshot
    }
}
