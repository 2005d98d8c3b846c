import NIOCore
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import NATSWire
import Subjects

/// One client connection: its protocol state, its subscriptions, its outbound bytes.
///
/// Threading: everything marked "loop" below is touched only on `eventLoop`. Other event loops
/// deliver to this connection through `inbox` (a lock-protected list drained on our loop), so
/// message counters, auto-unsubscribe counts and the outbound buffer each have one writer.
/// The statistics are atomics so that monitoring can read them from anywhere.
package final class ClientConnection: @unchecked Sendable {
    /// Why a connection ended, as nats-server names it in /connz `reason`.
    package enum CloseReason: String, Sendable {
        case clientClosed = "Client Closed"
        case authenticationTimeout = "Authentication Timeout"
        case authenticationViolation = "Authentication Failure"
        case parseError = "Parse Error"
        case protocolViolation = "Protocol Violation"
        case maxPayloadExceeded = "Maximum Message Payload Exceeded"
        case maxControlLineExceeded = "Maximum Control Line Exceeded"
        case maxConnectionsExceeded = "Maximum Connections Exceeded"
        case slowConsumerPendingBytes = "Slow Consumer (Pending Bytes)"
        case slowConsumerWriteDeadline = "Slow Consumer (Write Deadline)"
        case staleConnection = "Stale Connection"
        case writeError = "Write Error"
        case readError = "Read Error"
        case serverShutdown = "Server Shutdown"
        case lameDuck = "Lame Duck Mode"
        case badClientProtocol = "Bad Client Protocol Version"
        case noRespondersRequiresHeaders = "No Responders Requires Headers"
        case tlsHandshakeError = "TLS Handshake Failure"
    }

    enum State {
        /// INFO sent; waiting for CONNECT (ops other than CONNECT are refused if auth is required).
        case awaitingConnect
        case connected
        case closed
    }

    // MARK: Identity (immutable)

    package let id: UInt64
    package let broker: Broker
    /// A leafnode link rather than a client (set at creation; the link's state is in `leaf`).
    package let isLeaf: Bool
    package let eventLoop: any EventLoop
    let deliveryLoop: DeliveryLoop
    package let remoteHost: String
    package let remotePort: Int
    /// Wall-clock start, for /connz.
    package let startTime: WallClock.Instant
    /// Monotonic start, for the round-trip estimate at CONNECT.
    let connectionStarted = NIODeadline.now()
    /// `127.0.0.1:54321 - cid:5`, the prefix of every log line about this connection; after
    /// CONNECT it also names the client (`- "v2.15.0:python:name"`), as nats-server does.
    var logPrefix: String
    let logger: Logger
    let maxPending: Int

    // MARK: Loop state

    var context: ChannelHandlerContext?
    var state = State.awaitingConnect
    /// The leafnode side of a leafnode link; nil for clients. Its `role` may be read from any
    /// thread; everything else in it belongs to the loop.
    let leaf: LeafLink?
    package internal(set) var options = ConnectOptions()
    var account: Account
    /// The authenticated user's permissions; nil when it may do anything.
    var permissions: ClientPermissions?
    /// The user, for violation log lines ("User \"alice\"").
    var userLogName: String?
    /// The nonce our INFO carried, for nkey users to sign.
    var sentNonce: String?
    /// CONNECT is being checked off the loop (bcrypt): the handler stops parsing until
    /// ``resumeReading`` is called.
    var isPaused = false
    /// Set by the channel handler when it pauses: parses what is buffered and reads again.
    var resumeReading: (() -> Void)?
    /// Whether the connection runs (or is starting) TLS.
    var isTLS = false
    /// Whether the client came through the WebSocket listener.
    var isWebSocket = false
    /// nats-server's name for the transport, as `allowed_connection_types` lists it.
    var connectionType: String { isWebSocket ? "WEBSOCKET" : "STANDARD" }
    /// Ends a TLS handshake that takes longer than the `tls` block's `timeout`.
    var tlsHandshakeTask: Scheduled<Void>?
    /// `verify_and_map`: the user comes from the client's certificate, read after the handshake.
    var mapsCertificateToUser = false
    var certificateIdentity: CertificateIdentity?
    /// Both sides support headers (our config and the client's CONNECT).
    var headersEnabled = false
    var echo = true
    var subscriptions: [String: Subscription] = [:]
    /// Bytes to write at the end of this loop iteration.
    var outbound = ByteBuffer()
    var isMarkedForFlush = false
    var pingsOutstanding = 0
    var pingTask: Scheduled<Void>?
    var authTimeoutTask: Scheduled<Void>?
    var writeDeadlineTask: Scheduled<Void>?
    /// When the socket last refused to take all our bytes (nil: nothing is stuck).
    var writeStalledSince: NIODeadline?
    var lastActivity = NIODeadline.now()
    var lastPingReceived = NIODeadline.distantPast
    var pingSentAt: NIODeadline?
    package internal(set) var roundTripTime: TimeAmount = .zero
    var closeReason: CloseReason?
    /// This connection's own small cache of match results; dropped when the account's
    /// subject index changes (nats-server `c.in.results` with `genid`).
    let resultCache = SubjectMatchCache<SubjectMatch<Subscription>>(capacityLimit: 256, sweepTarget: 128)
    var resultCacheGeneration: UInt64 = 0
    /// Trace (`-V`) snapshot, taken once per read batch.
    var isTracing = false

    // MARK: Cross-loop

    /// Deliveries from publishers on other event loops, applied on ours.
    let inbox = Mutex<[PendingDelivery]>([])

    // MARK: Statistics (written on the loop only; read anywhere)

    package let inMessages = Atomic<Int>(0)
    package let inBytes = Atomic<Int>(0)
    package let outMessages = Atomic<Int>(0)
    package let outBytes = Atomic<Int>(0)

    package init(
        id: UInt64,
        broker: Broker,
        eventLoop: any EventLoop,
        deliveryLoop: DeliveryLoop,
        remoteHost: String,
        remotePort: Int,
        logger: Logger,
        leafRole: LeafLink.Role? = nil
    ) {
        self.id = id
        self.isLeaf = leafRole != nil
        self.leaf = leafRole.map { LeafLink(role: $0) }
        self.broker = broker
        self.eventLoop = eventLoop
        self.deliveryLoop = deliveryLoop
        self.remoteHost = remoteHost
        self.remotePort = remotePort
        self.startTime = WallClock.now
        if case .solicited(let remote, _) = leafRole {
            self.account = broker.account(named: remote.configuration.account)
        } else {
            self.account = broker.globalAccount
        }
        self.logPrefix = "\(remoteHost):\(remotePort) - \(leafRole == nil ? "cid" : "lid"):\(id)"
        self.logger = logger
        self.maxPending = broker.configuration.maxPending
    }

    // MARK: - Lifecycle

    /// The channel is up: send INFO, start the auth timer, register with the broker.
    func start(context: ChannelHandlerContext) {
        if isLeaf { return startLeaf(context: context) }
        self.context = context
        logger.debug("\(logPrefix) - Client connection created")
        if broker.authentication.hasNKeyUsers { sentNonce = ServerNonce.make(length: 15) }
        // A WebSocket's TLS (wss://) is the listener's, below the HTTP upgrade.
        let tls = isWebSocket ? nil : broker.clientTLS
        if let tls, tls.handshakeFirst, !beginServerTLS(tls) { return }
        outbound.writeInfo(json: broker.infoJSON(for: self))
        if !broker.register(self) {
            // nats-server sends INFO first, then refuses.
            sendError("maximum connections exceeded")
            close(reason: .maxConnectionsExceeded)
            return
        }
        if let tls, !tls.handshakeFirst {
            flushNow()  // the INFO goes out in plain text; everything after it through TLS
            if !beginServerTLS(tls) { return }
        }
        // nats-server pings from the start, CONNECT or not: a silent socket goes stale.
        startPingTimer(first: true)
        let authentication = broker.authentication
        if authentication.isRequired {
            authTimeoutTask = eventLoop.scheduleTask(in: TimeAmount(authentication.timeout)) { [self] in
                guard state == .awaitingConnect else { return }
                sendError("Authentication Timeout")
                close(reason: .authenticationTimeout)
            }
        }
        flushNow()
    }

    /// Ends the connection: stops timers, removes subscriptions, writes what is pending
    /// (typically an `-ERR`), closes the socket. Safe to call more than once.
    func close(reason: CloseReason) {
        guard state != .closed else { return }
        if isLeaf { leafClosed(reason: reason) }
        state = .closed
        closeReason = reason
        authTimeoutTask?.cancel()
        pingTask?.cancel()
        writeDeadlineTask?.cancel()
        tlsHandshakeTask?.cancel()
        tlsHandshakeTask = nil
        authTimeoutTask = nil
        pingTask = nil
        writeDeadlineTask = nil
        for subscription in subscriptions.values {
            subscription.isClosed.store(true, ordering: .relaxed)
            account.remove(subscription)
            broker.subscriptionRemoved(subscription, account: account)
        }
        subscriptions.removeAll()
        resultCache.removeAll()
        inbox.withLock { $0.removeAll() }
        broker.unregister(self, reason: reason)
        if !isLeaf { logger.debug("\(logPrefix) - Client connection closed: \(reason.rawValue)") }
        if let context {
            if outbound.readableBytes > 0 {
                context.writeAndFlush(NIOAny(outbound), promise: nil)
                outbound = ByteBuffer()
            }
            context.close(promise: nil)
            self.context = nil
        }
    }

    // MARK: - Writing

    /// Writes our outbound bytes to the socket, and checks for a slow consumer.
    func flushNow() {
        isMarkedForFlush = false
        guard let context, state != .closed, outbound.readableBytes > 0 else { return }
        context.writeAndFlush(NIOAny(outbound), promise: nil)
        // After the write the socket usually holds our only other reference, so `clear` keeps
        // the storage; a buffer that grew large in a burst is given back instead.
        if outbound.capacity > 2 * Self.outboundFlushThreshold {
            outbound = ByteBuffer()
        } else {
            outbound.clear()
        }
        checkWriteBacklog(context: context)
    }

    /// Pending bytes over `max_pending` make a slow consumer; bytes stuck in the socket for longer
    /// than `write_deadline` too (checked by a timer armed when they first get stuck).
    private func checkWriteBacklog(context: ChannelHandlerContext) {
        guard let options = context.channel.syncOptions,
            let buffered = try? options.getOption(.bufferedWritableBytes)
        else { return }
        if buffered == 0 {
            writeStalledSince = nil
            return
        }
        if buffered > maxPending {
            slowConsumer(reason: .slowConsumerPendingBytes, pendingBytes: buffered)
            return
        }
        if writeStalledSince == nil {
            writeStalledSince = .now()
            armWriteDeadline()
        }
    }

    private func armWriteDeadline() {
        guard writeDeadlineTask == nil, let stalledSince = writeStalledSince else { return }
        let deadline = stalledSince + TimeAmount(broker.configuration.writeDeadline)
        writeDeadlineTask = eventLoop.scheduleTask(deadline: deadline) { [self] in
            writeDeadlineTask = nil
            guard state != .closed, let context else { return }
            let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            if buffered == 0 {
                writeStalledSince = nil
            } else if let since = writeStalledSince, NIODeadline.now() - since >= TimeAmount(broker.configuration.writeDeadline) {
                slowConsumer(reason: .slowConsumerWriteDeadline, pendingBytes: buffered)
            } else {
                armWriteDeadline()
            }
        }
    }

    /// nats-server's "Slow Consumer Detected" handling: count it, log it, close.
    func slowConsumer(reason: CloseReason, pendingBytes: Int) {
        guard state != .closed else { return }
        broker.statistics.slowConsumers.add(1, ordering: .relaxed)
        switch reason {
        case .slowConsumerWriteDeadline:
            let deadline = GoFormat.duration(nanoseconds: TimeAmount(broker.configuration.writeDeadline).nanoseconds)
            logger.notice("\(logPrefix) - Slow Consumer Detected: WriteDeadline of \(deadline) exceeded with 1 chunks of \(pendingBytes) total bytes.")
        default:
            logger.notice("\(logPrefix) - Slow Consumer Detected: MaxPending of \(maxPending) Exceeded")
        }
        // Whatever is queued is dropped: the point is to stop buffering for this client.
        outbound.clear()
        close(reason: reason)
    }

    /// The channel's buffer went over its high-water mark (set to `max_pending`).
    func writabilityChanged(isWritable: Bool) {
        guard !isWritable, let context else { return }
        let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        if buffered > maxPending {
            slowConsumer(reason: .slowConsumerPendingBytes, pendingBytes: buffered)
        }
    }

    @inline(__always)
    func markForFlush() {
        deliveryLoop.markForFlush(self)
    }

    func sendError(_ text: String) {
        if isTracing { trace("->> [-ERR \(text)]") }
        outbound.writeError(text)
        markForFlush()
    }

    func sendOK() {
        if isTracing { trace("->> [OK]") }
        outbound.writeOK()
        markForFlush()
    }

    func trace(_ text: @autoclosure () -> String) {
        logger.trace("\(logPrefix) - \(text())")
    }

    /// Runs `body` on this connection's event loop (now if already there).
    package func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }
}

/// A delivery queued by a publisher on another event loop. The operation's slice keeps the
/// publisher's receive buffer alive until this connection's loop has written the message.
struct PendingDelivery: @unchecked Sendable {
    var subscription: Subscription
    var op: MessageOp
    /// Set for a message to a leafnode link: the queue groups the `LMSG` names (often none).
    var leafQueues: [String]?

    init(subscription: Subscription, op: MessageOp, leafQueues: [String]? = nil) {
        self.subscription = subscription
        self.op = op
        self.leafQueues = leafQueues
    }
}

/// Wall-clock time in nanoseconds since 1970, for /connz and /varz timestamps.
package enum WallClock {
    package struct Instant: Sendable, Comparable {
        package var nanosecondsSince1970: Int64
        package static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanosecondsSince1970 < rhs.nanosecondsSince1970 }
    }

    package static var now: Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(nanosecondsSince1970: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
