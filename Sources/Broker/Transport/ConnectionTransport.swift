import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a protocol session is told by its transport.
package protocol TransportDelegate: AnyObject {
    /// Liveness wants a keepalive probe written (NATS: `PING`).
    func writeKeepalive()
    /// The peer stopped answering; say so if the protocol can (NATS: `-ERR 'Stale Connection'`).
    /// The transport closes the connection right after.
    func livenessExpired()
    /// The connection is closing (once, whoever closes it): release what the session holds
    /// (subscriptions, registrations, timers) and log the end. The transport then writes what is
    /// pending and closes the channel.
    func transportWillClose(reason: CloseReason)
}

/// One connection's channel and everything about it that does not depend on the protocol:
/// outbound bytes and their batching, the slow-consumer and write-deadline limits, liveness,
/// TLS upgrades, counters, deliveries from other event loops, and the close (with its reason).
/// Every protocol session (NATS client, leafnode link) owns one and talks to its peer through it.
///
/// Threading: owned by the channel's event loop; every method but ``enqueueFromOtherLoop(_:)``
/// and the counters' reads runs there (checked in debug builds). Publishers on other loops hand
/// deliveries to ``inbox``, drained here in order, so the outbound buffer has one writer.
package final class ConnectionTransport: @unchecked Sendable {
    /// The limits a transport enforces (nats-server's `max_pending`, `write_deadline`).
    package struct Limits: Sendable {
        package var maxPending: Int
        package var writeDeadline: Duration

        package init(maxPending: Int, writeDeadline: Duration) {
            self.maxPending = maxPending
            self.writeDeadline = writeDeadline
        }
    }

    // MARK: Identity (immutable)

    package let id: UInt64
    package let eventLoop: any EventLoop
    let deliveryLoop: DeliveryLoop
    /// `deliveryLoop`'s identity, compared on every delivery without touching the object.
    let deliveryLoopID: ObjectIdentifier
    package let remoteHost: String
    package let remotePort: Int
    /// Wall-clock start, for /connz.
    package let startTime: WallClock.Instant
    /// Monotonic start, for the round-trip estimate of the handshake.
    let connectionStarted: NIODeadline
    let limits: Limits
    let logger: Logger
    /// What the peer is, in log lines (`Client`, `Leafnode`).
    let kindName: String
    /// nats-server says "TLS handshake error" for clients, "TLS leafnode handshake error" for
    /// links.
    var tlsLogLabel: String { kindName == "Client" ? "" : kindName.lowercased() + " " }
    /// Counts slow consumers server-wide.
    private let statistics: BrokerStatistics

    // MARK: Loop state

    /// The session. Not weak: a weak reference would put every retain and release of the
    /// session on the slow path (a side table), and sessions are retained per message. The
    /// cycle session -> transport -> session ends at ``close(reason:)``.
    var delegate: (any TransportDelegate)?
    private(set) var context: ChannelHandlerContext?
    /// `127.0.0.1:54321 - cid:5`, the prefix of every log line about this connection; the
    /// session adds the peer's name once it knows it, as nats-server does.
    package var logPrefix: String
    package private(set) var isClosed = false
    package private(set) var closeReason: CloseReason?
    /// Bytes to write at the end of this loop iteration.
    var outbound = ByteBuffer()
    var isMarkedForFlush = false
    /// Trace (`-V`) snapshot, taken once per read batch.
    var isTracing = false
    /// When the socket last refused to take all our bytes (nil: nothing is stuck).
    private var writeStalledSince: NIODeadline?
    private var writeDeadlineTask: Scheduled<Void>?
    /// Reading is paused (a CONNECT's credentials are being hashed off the loop).
    private(set) var isReadingPaused = false
    /// The channel handler stopped parsing and reading because of the pause, and waits for
    /// ``readingResumed`` (a pause lifted before the handler saw it needs no resumption).
    var isHandlerWaitingToResume = false
    /// Set by the channel handler: parses what is buffered and reads again.
    var readingResumed: (() -> Void)?
    var liveness: LivenessState
    /// Whether the connection runs (or is starting) TLS.
    package internal(set) var isTLS = false
    /// Ends a TLS handshake that takes longer than its `timeout`.
    var tlsHandshakeTask: Scheduled<Void>?
    /// The peer's certificate (DER), read after the handshake when `capturesPeerCertificate`.
    var peerCertificate: [UInt8]?
    var capturesPeerCertificate = false
    /// `allow_non_tls`: TLS starts only if the client's first byte opens a handshake.
    var tlsOnClientHello: ServerTLS?

    // MARK: Cross-loop

    /// Deliveries from publishers on other event loops, applied on ours.
    private let inbox = NIOLockedValueBox<[PendingDelivery]>([])

    // MARK: Statistics (written on the loop only; read anywhere)

    package let inMessages = Atomic<Int>(0)
    package let inBytes = Atomic<Int>(0)
    package let outMessages = Atomic<Int>(0)
    package let outBytes = Atomic<Int>(0)

    init(
        id: UInt64, eventLoop: any EventLoop, deliveryLoop: DeliveryLoop, remoteAddress: SocketAddress?, limits: Limits,
        statistics: BrokerStatistics, logger: Logger, kindName: String, idLabel: String
    ) {
        self.id = id
        self.eventLoop = eventLoop
        self.deliveryLoop = deliveryLoop
        self.deliveryLoopID = ObjectIdentifier(deliveryLoop)
        self.remoteHost = remoteAddress?.ipAddress ?? "unknown"
        self.remotePort = remoteAddress?.port ?? 0
        self.startTime = WallClock.now
        self.limits = limits
        self.statistics = statistics
        self.logger = logger
        self.kindName = kindName
        self.logPrefix = "\(remoteHost):\(remotePort) - \(idLabel):\(id)"
        // The loop's clock (a test loop's is virtual), for every timing this transport makes.
        self.connectionStarted = eventLoop.now
        self.liveness = LivenessState(now: connectionStarted)
    }

    /// The channel is up.
    func attach(_ context: ChannelHandlerContext) {
        eventLoop.assertInEventLoop()
        self.context = context
    }

    /// The peer's name is known: log lines say who it is.
    package func setPeerDescription(_ description: String, idLabel: String) {
        logPrefix = "\(remoteHost):\(remotePort) - \(idLabel):\(id) - \"\(description)\""
    }

    // MARK: - Writing

    /// Remembers that bytes are waiting: they go out at the end of this loop iteration.
    @inline(__always)
    func markForFlush() {
        deliveryLoop.markForFlush(self)
    }

    /// Writes the outbound bytes to the socket now, and checks for a slow consumer.
    func flushNow() {
        eventLoop.assertInEventLoop()
        isMarkedForFlush = false
        guard let context, !isClosed, outbound.readableBytes > 0 else { return }
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

    /// Outbound bytes that trigger a write before the end of the loop iteration (nats-server
    /// flushes at twice its 32 KiB buffer size for the same reason).
    static let outboundFlushThreshold = 64 * 1024

    /// After appending a message: hands a big batch to the socket now instead of growing the
    /// buffer (and malloc churning through large, page-faulting allocations) until the loop's
    /// flush, or marks it for that flush. Returns `false` when the connection is closed by it
    /// (a slow consumer).
    @inline(__always)
    func messageWritten() -> Bool {
        if outbound.readableBytes >= Self.outboundFlushThreshold {
            if outbound.readableBytes > limits.maxPending {
                slowConsumer(reason: .slowConsumerPendingBytes, pendingBytes: outbound.readableBytes)
                return false
            }
            flushNow()
            return !isClosed
        }
        markForFlush()
        return true
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
        if buffered > limits.maxPending {
            slowConsumer(reason: .slowConsumerPendingBytes, pendingBytes: buffered)
            return
        }
        if writeStalledSince == nil {
            writeStalledSince = eventLoop.now
            armWriteDeadline()
        }
    }

    private func armWriteDeadline() {
        guard writeDeadlineTask == nil, let stalledSince = writeStalledSince else { return }
        let deadline = stalledSince + TimeAmount(limits.writeDeadline)
        writeDeadlineTask = eventLoop.scheduleTask(deadline: deadline) { [self] in
            writeDeadlineTask = nil
            guard !isClosed, let context else { return }
            let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            if buffered == 0 {
                writeStalledSince = nil
            } else if let since = writeStalledSince, eventLoop.now - since >= TimeAmount(limits.writeDeadline) {
                slowConsumer(reason: .slowConsumerWriteDeadline, pendingBytes: buffered)
            } else {
                armWriteDeadline()
            }
        }
    }

    /// nats-server's "Slow Consumer Detected" handling: count it, log it, close.
    func slowConsumer(reason: CloseReason, pendingBytes: Int) {
        guard !isClosed else { return }
        statistics.slowConsumers.add(1, ordering: .relaxed)
        switch reason {
        case .slowConsumerWriteDeadline:
            let deadline = GoFormat.duration(nanoseconds: TimeAmount(limits.writeDeadline).nanoseconds)
            logger.notice(
                "\(logPrefix) - Slow Consumer Detected: WriteDeadline of \(deadline) exceeded with 1 chunks of \(pendingBytes) total bytes."
            )
        default:
            logger.notice("\(logPrefix) - Slow Consumer Detected: MaxPending of \(limits.maxPending) Exceeded")
        }
        // Whatever is queued is dropped: the point is to stop buffering for this peer.
        outbound.clear()
        close(reason: reason)
    }

    /// The channel's buffer went over its high-water mark (set to `max_pending`).
    func writabilityChanged(isWritable: Bool) {
        guard !isWritable, let context else { return }
        let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        if buffered > limits.maxPending {
            slowConsumer(reason: .slowConsumerPendingBytes, pendingBytes: buffered)
        }
    }

    /// Bytes queued for the peer and not yet taken by the socket, for /connz `pending_bytes`.
    var pendingBytes: Int {
        let buffered = (try? context?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        return outbound.readableBytes + buffered
    }

    // MARK: - Counters

    @inline(__always)
    func countInbound(bytes: Int) {
        inMessages.store(inMessages.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        inBytes.store(inBytes.load(ordering: .relaxed) &+ bytes, ordering: .relaxed)
    }

    @inline(__always)
    func countOutbound(bytes: Int) {
        outMessages.store(outMessages.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        outBytes.store(outBytes.load(ordering: .relaxed) &+ bytes, ordering: .relaxed)
    }

    // MARK: - Reading

    /// Stops parsing and reading until ``resumeReading()`` (the handler keeps what it has).
    func pauseReading() {
        eventLoop.assertInEventLoop()
        isReadingPaused = true
    }

    /// Lifts the pause: the handler parses what it kept and reads from the socket again (at once
    /// if it is waiting; if the pause is lifted within the operation that set it, the handler
    /// simply goes on).
    func resumeReading() {
        eventLoop.assertInEventLoop()
        guard isReadingPaused else { return }
        isReadingPaused = false
        guard isHandlerWaitingToResume, !isClosed else { return }
        isHandlerWaitingToResume = false
        readingResumed?()
    }

    // MARK: - Cross-loop deliveries

    /// Queues a delivery from another event loop; the first one schedules a drain on ours.
    func enqueueFromOtherLoop(_ delivery: PendingDelivery) {
        let wasEmpty = inbox.withLockedValue { queue in
            let wasEmpty = queue.isEmpty
            queue.append(delivery)
            return wasEmpty
        }
        if wasEmpty {
            eventLoop.execute { self.drainInbox() }
        }
    }

    /// Applies the deliveries queued by other loops, in the order they were queued.
    private func drainInbox() {
        eventLoop.assertInEventLoop()
        let deliveries = inbox.withLockedValue { queue in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for delivery in deliveries {
            guard !isClosed else { return }
            delivery.apply()
        }
    }

    // MARK: - Close

    /// Ends the connection: stops the timers, lets the session release what it holds, writes what
    /// is pending (typically an error), closes the socket. Safe to call more than once.
    func close(reason: CloseReason) {
        eventLoop.assertInEventLoop()
        guard !isClosed else { return }
        isClosed = true
        closeReason = reason
        liveness.stop()
        writeDeadlineTask?.cancel()
        writeDeadlineTask = nil
        tlsHandshakeTask?.cancel()
        tlsHandshakeTask = nil
        delegate?.transportWillClose(reason: reason)
        delegate = nil
        inbox.withLockedValue { $0.removeAll() }
        readingResumed = nil
        if let context {
            if outbound.readableBytes > 0 {
                context.writeAndFlush(NIOAny(outbound), promise: nil)
                outbound = ByteBuffer()
            }
            context.close(promise: nil)
            self.context = nil
        }
    }

    /// Runs `body` on this connection's event loop (now if already there).
    package func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }

    func trace(_ text: @autoclosure () -> String) {
        logger.trace("\(logPrefix) - \(text())")
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
