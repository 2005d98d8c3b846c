import Logging
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
    func delete(ids: [Int64]) throws
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

    var size: Int { subject.utf8.count + (headers?.count ?? 0) + payload.count }
}

/// A remote's store-and-forward buffer: core messages published here on its subjects are
/// journaled as they arrive, sent to the hub in order whenever the link is up (live traffic
/// and backlog alike, so nothing newer overtakes anything older), each with a stable
/// `Nats-Msg-Id`, and removed only once the hub has confirmed them: a PONG to the PING sent
/// after the batch (the hub has processed everything before it). A batch the link lost is sent
/// again on the next link, and the id lets a hub stream with a duplicate window drop the copy.
///
/// Bounded by `max_msgs`, `max_bytes`, `max_age` (discarding the oldest, or refusing new
/// messages with `discard: new`; every discard is counted and logged) and paced by `rate_limit`.
/// Only messages whose subject has interest on the hub are sent; the others wait.
package final class ForwardBuffer: @unchecked Sendable {
    package let configuration: StoreAndForwardConfiguration
    /// Position of the remote, for logs.
    let remoteIndex: Int
    private let journal: any ForwardJournalStorage
    private let loop: any EventLoop
    private let broker: Broker
    private let logger: Logger

    /// Messages not yet journaled, filled from any thread.
    private let intake = Mutex<(messages: [ForwardEntry], isScheduled: Bool)>(([], false))

    // Loop state.
    private var link: ClientConnection?
    private var linkGeneration = 0
    /// The last journal id handed to the current link.
    private var cursor: Int64 = 0
    private var isSending = false
    private var nextSendAllowed = NIODeadline.uptimeNanoseconds(0)
    private var pumpScheduled = false
    private var subscriptions: [Subscription] = []
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
    static let batchMessages = 1000
    static let batchBytes = 256 * 1024
    /// How often messages that had no interest on the hub are looked at again.
    static let retryWithoutInterest: TimeAmount = .seconds(5)

    package init(configuration: StoreAndForwardConfiguration, remoteIndex: Int, journal: any ForwardJournalStorage, loop: any EventLoop, broker: Broker, logger: Logger) {
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
                self.logger.info("Store-and-forward buffer of leafnode remote \(self.remoteIndex): \(self.journal.count) messages (\(self.journal.bytes) bytes) waiting for the hub")
            }
            self.housekeeping = self.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                self.enforceLimits(incoming: 0)
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
        if message.sender?.leaf?.isSolicited == true { return }
        let entry = ForwardEntry(
            subject: message.subject, reply: message.reply, headers: message.headers, payload: message.payload,
            timestamp: WallClock.now.nanosecondsSince1970
        )
        let schedule = intake.withLock { intake in
            intake.messages.append(entry)
            if intake.isScheduled { return false }
            intake.isScheduled = true
            return true
        }
        if schedule { loop.execute { self.drainIntake() } }
    }

    /// Journals what arrived (one transaction), applying the limits, then sends.
    private func drainIntake() {
        var messages = intake.withLock { intake in
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
            _ = try journal.append(messages)
        } catch {
            recordDiscards(messages.count, reason: "journal error: \(error)")
        }
        enforceLimits(incoming: messages.count)
        pump()
    }

    private func enforceLimits(incoming: Int) {
        let oldestAllowed = configuration.maxAge > .zero
            ? WallClock.now.nanosecondsSince1970 - Self.nanoseconds(configuration.maxAge) : 0
        do {
            let removed = try journal.trim(
                maxMessages: configuration.discardNew ? 0 : configuration.maxMessages,
                maxBytes: configuration.discardNew ? 0 : configuration.maxBytes,
                oldestAllowed: oldestAllowed
            )
            if removed > 0 { recordDiscards(removed, reason: configuration.discardNew ? "older than max_age" : "full, discard old") }
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
            logger.warning("Store-and-forward buffer of leafnode remote \(remoteIndex) discarded \(discardsSinceLog) messages (\(reason)); \(discardedMessages.load(ordering: .relaxed)) in all")
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
    func linkUp(_ connection: ClientConnection) {
        loop.execute {
            self.link = connection
            self.linkGeneration += 1
            self.cursor = 0
            self.isSending = true
            let generation = self.linkGeneration
            let identity = self.journal.identity
            connection.onLoop {
                connection.forward([], identity: identity) { _, confirmed in
                    self.loop.execute {
                        guard generation == self.linkGeneration else { return }
                        self.isSending = false
                        if confirmed {
                            if self.journal.count > 0 {
                                self.logger.info("Store-and-forward buffer of leafnode remote \(self.remoteIndex): sending \(self.journal.count) buffered messages to the hub")
                            }
                            self.pump()
                        }
                    }
                }
            }
        }
    }

    func linkDown(_ connection: ClientConnection) {
        loop.execute {
            guard self.link === connection else { return }
            self.link = nil
            self.linkGeneration += 1
            self.isSending = false
            self.cursor = 0
        }
    }

    /// Sends the next batch if the link is up, nothing is awaiting confirmation and the rate
    /// limit allows it.
    private func pump() {
        guard let link, !isSending else { return }
        let now = NIODeadline.now()
        if now < nextSendAllowed {
            schedulePump(at: nextSendAllowed)
            return
        }
        var maxBytes = Self.batchBytes
        if configuration.rateLimit > 0 { maxBytes = max(1, min(maxBytes, configuration.rateLimit / 4)) }
        let entries: [ForwardEntry]
        do {
            entries = try journal.read(after: cursor, limit: Self.batchMessages, maxBytes: maxBytes)
        } catch {
            logger.error("Store-and-forward buffer of leafnode remote \(remoteIndex): cannot read the journal: \(error)")
            schedulePump(at: now + .seconds(1))
            return
        }
        guard let last = entries.last else {
            // Caught up. Messages without interest on the hub stay; look at them again later.
            if journal.count > 0 {
                cursor = 0
                schedulePump(at: now + Self.retryWithoutInterest)
            }
            return
        }
        isSending = true
        let generation = linkGeneration
        let batchBytes = entries.reduce(0) { $0 + $1.size }
        let identity = journal.identity
        link.onLoop {
            link.forward(entries, identity: identity) { sent, confirmed in
                self.loop.execute { self.batchEnded(generation: generation, lastID: last.id, sent: sent, bytes: batchBytes, confirmed: confirmed) }
            }
        }
    }

    private func batchEnded(generation: Int, lastID: Int64, sent: [Int64], bytes: Int, confirmed: Bool) {
        guard generation == linkGeneration else { return }
        isSending = false
        guard confirmed else { return }
        do {
            try journal.delete(ids: sent)
        } catch {
            logger.error("Store-and-forward buffer of leafnode remote \(remoteIndex): cannot remove sent messages: \(error)")
        }
        forwardedMessages.add(sent.count, ordering: .relaxed)
        cursor = lastID
        if configuration.rateLimit > 0 {
            nextSendAllowed = NIODeadline.now() + .nanoseconds(Int64(bytes) * 1_000_000_000 / Int64(configuration.rateLimit))
        }
        publishCounters()
        pump()
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

extension ClientConnection {
    /// Sends journaled messages to the hub (our loop), each with `Nats-Msg-Id: <identity>-<id>`,
    /// then a PING; `completion` gets the ids sent and whether the PONG came (`false`: the link
    /// closed first). Messages without interest on the hub are not sent (and not in the ids).
    func forward(_ entries: [ForwardEntry], identity: String, completion: @escaping ([Int64], Bool) -> Void) {
        guard state != .closed, let leaf, leaf.isEstablished else {
            completion([], false)
            return
        }
        var sent: [Int64] = []
        sent.reserveCapacity(entries.count)
        for entry in entries {
            let match = account.match(entry.subject)
            let plain = match.plain.contains { $0.connection === self }
            let queues = match.queueGroups.filter { group in group.members.contains { $0.connection === self } }.map(\.name)
            guard plain || !queues.isEmpty else { continue }
            var headers = entry.headers
            if headersEnabled { headers = Self.addingMessageID("\(identity)-\(entry.id)", to: headers) }
            let payload = (headers ?? []) + entry.payload
            let subject = Array(entry.subject.utf8)
            let reply = entry.reply.map { Array($0.utf8) }
            subject.withUnsafeBytes { subjectBytes in
                payload.withUnsafeBytes { payloadBytes in
                    if let reply {
                        reply.withUnsafeBytes { replyBytes in
                            outbound.writeLeafMessage(subject: subjectBytes, reply: replyBytes, queues: plain ? [] : queues, headerLength: headers?.count, payload: payloadBytes)
                        }
                    } else {
                        outbound.writeLeafMessage(subject: subjectBytes, reply: nil, queues: plain ? [] : queues, headerLength: headers?.count, payload: payloadBytes)
                    }
                }
            }
            outMessages.store(outMessages.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
            outBytes.store(outBytes.load(ordering: .relaxed) &+ payload.count, ordering: .relaxed)
            sent.append(entry.id)
        }
        if isTracing { trace("->> [\(sent.count) buffered messages, PING]") }
        outbound.writePing()
        leaf.pongWaiters.append { confirmed in completion(sent, confirmed) }
        flushNow()
    }

    /// The header block with `Nats-Msg-Id` added, unless the publisher set one.
    static func addingMessageID(_ id: String, to headers: [UInt8]?) -> [UInt8] {
        guard let headers, headers.count >= 12 else { return Array("NATS/1.0\r\nNats-Msg-Id: \(id)\r\n\r\n".utf8) }
        if String(decoding: headers, as: UTF8.self).lowercased().contains("\r\nnats-msg-id:") { return headers }
        return Array(headers.dropLast(2)) + Array("Nats-Msg-Id: \(id)\r\n\r\n".utf8)
    }
}
