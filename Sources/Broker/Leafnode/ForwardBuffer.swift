import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Storage for a ``ForwardBuffer``: an ordered journal of messages (SQLite in the server).
/// Called on the buffer's loop only.
package protocol ForwardJournalStorage: AnyObject {
    /// Stable across restarts: with an entry's id it names the message for the hub's dedupe.
    var identity: String { get }
    var count: Int { get }
    var bytes: Int { get }
    func append(_ messages: [ForwardEntry]) throws -> [Int64]
    func read(after id: Int64, limit: Int, maxBytes: Int) throws -> [ForwardEntry]
    /// Removes confirmed entries (ascending ids), with their sizes.
    func delete(_ removed: [(id: Int64, size: Int)]) throws
    func trim(maxMessages: Int, maxBytes: Int, oldestAllowed: Int64) throws -> Int
    func oldestTimestamp() throws -> Int64?
}

/// One journaled message (`id` is 0 until stored).
package struct ForwardEntry: Sendable {
    package var id: Int64
    package var subject: String
    package var reply: String?
    package var headers: [UInt8]?
    package var payload: [UInt8]
    package var timestamp: Int64

    package init(id: Int64 = 0, subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], timestamp: Int64) {
        self.id = id
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.payload = payload
        self.timestamp = timestamp
    }

    package var size: Int { subject.utf8.count + (headers?.count ?? 0) + payload.count }
}

/// A remote's store-and-forward buffer: core messages published here on its subjects are
/// journaled as they arrive, sent to the hub in order whenever the link is up (live traffic
/// and backlog alike, so nothing newer overtakes anything older), each with a stable
/// `Nats-Msg-Id`, and removed only once the hub has confirmed them: a PONG to the PING sent
/// after the batch (the hub has processed everything before it). A batch the link lost is sent
/// again on the next link, and the id lets a hub stream with a duplicate window drop the copy.
///
/// Threading: the buffer's state belongs to its own event loop (one thread for every buffer,
/// checked in debug builds); publishers hand messages in through `intake`, the link's loop
/// sends what the buffer gives it and reports back on the buffer's loop.
///
/// Bounded by `max_msgs`, `max_bytes`, `max_age` (discarding the oldest, or refusing new
/// messages with `discard: new`; every discard is counted and logged) and paced by `rate_limit`.
/// Only messages whose subject has interest on the hub are sent; the others wait.
package final class ForwardBuffer: @unchecked Sendable {
    package let configuration: StoreAndForwardConfiguration
    /// Position of the remote, for logs.
    package let remoteIndex: Int
    private let journal: any ForwardJournalStorage
    private let loop: any EventLoop
    private let broker: Broker
    private let logger: Logger

    /// Messages not yet journaled, filled from any thread.
    private let intake = NIOLockedValueBox<(messages: [ForwardEntry], isScheduled: Bool)>(([], false))

    // Loop state.
    private var link: LeafSession?
    private var linkGeneration = 0
    /// The last journal id handed to the current link.
    private var cursor: Int64 = 0
    /// Waiting for the PONG that ends the link's start (the hub's interest has arrived).
    private var isSyncing = false
    /// Batches sent and not yet confirmed, and their bytes.
    private var batchesInFlight = 0
    private var bytesInFlight = 0
    private var nextSendAllowed = NIODeadline.uptimeNanoseconds(0)
    private var pumpScheduled = false
    private var subscriptions: [Subscription] = []
    /// The newest journaled entries not yet handed to the link, in id order: while the link
    /// keeps up, batches come from here instead of being read back from the journal.
    private var tail: [ForwardEntry] = []
    private var tailBytes = 0
    /// Bounds of the tail (a burst larger than this is read back from the journal instead).
    static let tailLimit = 65_536
    static let tailByteLimit = 8 * 1024 * 1024
    private var housekeeping: RepeatedTask?
    private var discardsSinceLog = 0
    private var lastDiscardLog = NIODeadline.uptimeNanoseconds(0)

    /// Counters for monitoring (read anywhere).
    package let bufferedMessages = Atomic<Int>(0)
    package let bufferedBytes = Atomic<Int>(0)
    package let forwardedMessages = Atomic<Int>(0)
    package let discardedMessages = Atomic<Int>(0)
    package let oldestTimestamp = Atomic<Int64>(0)

    /// Largest batch between two confirmations.
    static let batchMessages = 4000
    static let batchBytes = 512 * 1024
    /// Batches sent before the first is confirmed: one round trip per batch would cap the rate
    /// at batch size / round trip (8 batches gave 0.39x of the plain link's rate on one core,
    /// 32 gave 0.54x: the confirmations wait behind the publishers on a busy core). Bounded in
    /// bytes as well, so that what waits in the socket on a slow link stays small next to the
    /// keepalive. With a rate limit, one at a time keeps the pacing exact.
    static let window = 32
    static let windowBytes = 4 * 1024 * 1024
    /// How long arriving messages gather before they are journaled (one transaction).
    static let intakeDelay: TimeAmount = .microseconds(500)
    /// How often messages that had no interest on the hub are looked at again.
    static let retryWithoutInterest: TimeAmount = .seconds(5)

    package init(
        configuration: StoreAndForwardConfiguration, remoteIndex: Int, journal: any ForwardJournalStorage, loop: any EventLoop,
        broker: Broker, logger: Logger
    ) {
        self.configuration = configuration
        self.remoteIndex = remoteIndex
        self.journal = journal
        self.loop = loop
        self.broker = broker
        self.logger = logger
    }

    /// Subscribes the buffer's subjects (not announced to any peer) and starts the age trimming.
    package func start() -> EventLoopFuture<Void> {
        loop.submit {
            for subject in self.configuration.subjects {
                let subscription = Subscription(internalSubject: subject, isAnnounced: false) { [weak self] message in
                    self?.accept(message)
                }
                try self.broker.subscribeInternal(subscription)
                self.subscriptions.append(subscription)
            }
            self.publishCounters()
            if self.journal.count > 0 {
                self.logger.info(
                    "Store-and-forward buffer of leafnode remote \(self.remoteIndex): \(self.journal.count) messages (\(self.journal.bytes) bytes) waiting for the hub"
                )
            }
            self.housekeeping = self.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                self.enforceLimits()
            }
        }
    }

    package func stop() -> EventLoopFuture<Void> {
        loop.submit {
            self.drainIntake()
            self.housekeeping?.cancel()
            for subscription in self.subscriptions { self.broker.unsubscribeInternal(subscription) }
            self.subscriptions.removeAll()
        }
    }

    // MARK: - Intake

    private func accept(_ message: InternalMessage) {
        // What came down from a hub is not sent back up.
        if message.origin == .link(isSolicited: true) { return }
        let entry = ForwardEntry(
            subject: message.subject, reply: message.reply, headers: message.headers, payload: message.payload,
            timestamp: WallClock.now.nanosecondsSince1970
        )
        let schedule = intake.withLockedValue { intake in
            intake.messages.append(entry)
            if intake.isScheduled { return false }
            intake.isScheduled = true
            return true
        }
        // Gathered for a moment rather than drained at once: waking the buffer's thread for
        // every message costs a context switch each (measured: a third of the rate on one core).
        if schedule { loop.scheduleTask(in: Self.intakeDelay) { self.drainIntake() } }
    }

    /// Journals what arrived (one transaction), applying the limits, then sends.
    private func drainIntake() {
        loop.assertInEventLoop()
        var messages = intake.withLockedValue { intake in
            intake.isScheduled = false
            let taken = intake.messages
            intake.messages.removeAll(keepingCapacity: true)
            return taken
        }
        guard !messages.isEmpty else { return }
        if configuration.discardNew {
            var room = Int.max
            if configuration.maxMessages > 0 { room = max(0, configuration.maxMessages - journal.count) }
            var accepted = 0
            var roomBytes = configuration.maxBytes > 0 ? max(0, configuration.maxBytes - journal.bytes) : Int.max
            for message in messages {
                guard accepted < room, message.size <= roomBytes else { break }
                accepted += 1
                roomBytes -= message.size
            }
            if accepted < messages.count {
                recordDiscards(messages.count - accepted, reason: "full, discard new")
                messages.removeLast(messages.count - accepted)
            }
        }
        do {
            let ids = try journal.append(messages)
            let incomingBytes = messages.reduce(0) { $0 + $1.size }
            if link != nil && tail.count + messages.count <= Self.tailLimit && tailBytes + incomingBytes <= Self.tailByteLimit {
                for index in messages.indices { messages[index].id = ids[index] }
                tail.append(contentsOf: messages)
                tailBytes += incomingBytes
            } else {
                clearTail()
            }
        } catch {
            recordDiscards(messages.count, reason: "journal error: \(error)")
        }
        enforceLimits()
        pump()
    }

    private func enforceLimits() {
        loop.assertInEventLoop()
        let oldestAllowed =
            configuration.maxAge > .zero
            ? WallClock.now.nanosecondsSince1970 - Self.nanoseconds(configuration.maxAge) : 0
        do {
            let removed = try journal.trim(
                maxMessages: configuration.discardNew ? 0 : configuration.maxMessages,
                maxBytes: configuration.discardNew ? 0 : configuration.maxBytes,
                oldestAllowed: oldestAllowed
            )
            if removed > 0 {
                clearTail()
                recordDiscards(
                    removed, reason: configuration.discardNew ? "older than max_age" : "over max_msgs, max_bytes or max_age; discard old")
            }
        } catch {
            logger.error("Store-and-forward buffer of leafnode remote \(remoteIndex): \(error)")
        }
        publishCounters()
    }

    private func recordDiscards(_ count: Int, reason: String) {
        discardedMessages.add(count, ordering: .relaxed)
        discardsSinceLog += count
        let now = NIODeadline.now()
        if now - lastDiscardLog >= .seconds(1) {
            logger.warning(
                "Store-and-forward buffer of leafnode remote \(remoteIndex) discarded \(discardsSinceLog) messages (\(reason)); \(discardedMessages.load(ordering: .relaxed)) in all"
            )
            discardsSinceLog = 0
            lastDiscardLog = now
        }
    }

    private func publishCounters() {
        bufferedMessages.store(journal.count, ordering: .relaxed)
        bufferedBytes.store(journal.bytes, ordering: .relaxed)
        oldestTimestamp.store((try? journal.oldestTimestamp()) ?? 0, ordering: .relaxed)
    }

    // MARK: - Link

    /// The remote's link is up (called on the link's loop): wait until the hub has processed
    /// our CONNECT and sent its interest (a PING answered), then send.
    func linkUp(_ connection: LeafSession) {
        loop.execute {
            self.link = connection
            self.linkGeneration += 1
            self.cursor = 0
            self.clearTail()
            self.isSyncing = true
            self.batchesInFlight = 0
            self.bytesInFlight = 0
            let generation = self.linkGeneration
            let identity = self.journal.identity
            connection.transport.onLoop {
                connection.forward([], identity: identity) { _, _, confirmed in
                    self.loop.execute {
                        guard generation == self.linkGeneration else { return }
                        self.isSyncing = false
                        if confirmed {
                            if self.journal.count > 0 {
                                self.logger.info(
                                    "Store-and-forward buffer of leafnode remote \(self.remoteIndex): sending \(self.journal.count) buffered messages to the hub"
                                )
                            }
                            self.pump()
                        }
                    }
                }
            }
        }
    }

    func linkDown(_ connection: LeafSession) {
        loop.execute {
            guard self.link === connection else { return }
            self.link = nil
            self.linkGeneration += 1
            self.isSyncing = false
            self.batchesInFlight = 0
            self.bytesInFlight = 0
            self.cursor = 0
            self.clearTail()
        }
    }

    /// Sends batches while the link is up, the window has room and the rate limit allows.
    private func pump() {
        loop.assertInEventLoop()
        let window = configuration.rateLimit > 0 ? 1 : Self.window
        while let link, !isSyncing, batchesInFlight < window, bytesInFlight < Self.windowBytes {
            let now = NIODeadline.now()
            if now < nextSendAllowed {
                schedulePump(at: nextSendAllowed)
                return
            }
            guard let batch = nextBatch() else {
                // Caught up. Messages without interest on the hub stay; look at them again later.
                if batchesInFlight == 0 && journal.count > 0 {
                    cursor = 0
                    schedulePump(at: now + Self.retryWithoutInterest)
                }
                return
            }
            send(batch, over: link)
        }
    }

    /// The entries after `cursor`: from the in-memory tail when it continues the link's
    /// stream, otherwise read back from the journal.
    private func nextBatch() -> [ForwardEntry]? {
        var maxBytes = Self.batchBytes
        if configuration.rateLimit > 0 { maxBytes = max(1, min(maxBytes, configuration.rateLimit / 4)) }
        if let first = tail.first, first.id == cursor + 1 || (cursor == 0 && journal.count == tail.count) {
            var total = 0
            var taken = 0
            for entry in tail {
                if taken > 0 && (taken >= Self.batchMessages || total + entry.size > maxBytes) { break }
                total += entry.size
                taken += 1
            }
            let batch = Array(tail.prefix(taken))
            tail.removeFirst(taken)
            tailBytes -= total
            return batch
        }
        clearTail()
        do {
            let batch = try journal.read(after: cursor, limit: Self.batchMessages, maxBytes: maxBytes)
            return batch.isEmpty ? nil : batch
        } catch {
            logger.error("Store-and-forward buffer of leafnode remote \(remoteIndex): cannot read the journal: \(error)")
            schedulePump(at: NIODeadline.now() + .seconds(1))
            return nil
        }
    }

    private func send(_ batch: [ForwardEntry], over link: LeafSession) {
        guard let last = batch.last else { return }
        let batchBytes = batch.reduce(0) { $0 + $1.size }
        batchesInFlight += 1
        bytesInFlight += batchBytes
        cursor = last.id
        let generation = linkGeneration
        if configuration.rateLimit > 0 {
            nextSendAllowed = NIODeadline.now() + .nanoseconds(Int64(batchBytes) * 1_000_000_000 / Int64(configuration.rateLimit))
        }
        let identity = journal.identity
        link.transport.onLoop {
            link.forward(batch, identity: identity) { sent, refused, confirmed in
                self.loop.execute {
                    self.batchEnded(generation: generation, bytes: batchBytes, sent: sent, refused: refused, confirmed: confirmed)
                }
            }
        }
    }

    private func batchEnded(generation: Int, bytes: Int, sent: [(id: Int64, size: Int)], refused: [(id: Int64, size: Int)], confirmed: Bool)
    {
        loop.assertInEventLoop()
        guard generation == linkGeneration else { return }
        batchesInFlight -= 1
        bytesInFlight -= bytes
        guard confirmed else {
            clearTail()
            return
        }
        do {
            try journal.delete(sent + refused)
        } catch {
            logger.error("Store-and-forward buffer of leafnode remote \(remoteIndex): cannot remove sent messages: \(error)")
        }
        if !refused.isEmpty { recordDiscards(refused.count, reason: "the hub's permissions do not let this link publish them") }
        forwardedMessages.add(sent.count, ordering: .relaxed)
        publishCounters()
        pump()
    }

    private func clearTail() {
        tail.removeAll()
        tailBytes = 0
    }

    private func schedulePump(at deadline: NIODeadline) {
        guard !pumpScheduled else { return }
        pumpScheduled = true
        loop.scheduleTask(deadline: deadline) {
            self.pumpScheduled = false
            self.pump()
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
