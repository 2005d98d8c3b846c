import Logging
import NIOConcurrencyHelpers
import NIOCore
import Subjects

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JetStream: streams and consumers over a storage engine, serving the `$JS.API`.
///
/// One serial owner: everything runs on `eventLoop`, a loop of its own (never a client
/// connection's). Messages arrive from any thread through ``receive(_:)`` into an inbox and
/// are handled in batches: every write of a batch goes into one storage transaction, and the
/// acknowledgements and API replies of the batch are sent only once it has committed, so an
/// acknowledged message is on disk (nats-server fsyncs every two minutes by default; we commit
/// before we acknowledge and stay fast by committing in groups).
public final class JetStreamEngine: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var serverName: String
        public var domain: String?
        /// The account's storage limits; -1 = none of its own (the server's still apply).
        public var maxMemory: Int64 = -1
        public var maxStorage: Int64 = -1
        /// The server's storage limits, shared with the other accounts' engines.
        public var serverResources: JetStreamServerResources?
        /// The account's limits: streams in all, consumers per stream (as nats-server 2.9
        /// applies `max_consumers`); -1 = none.
        public var maxStreams = -1
        public var maxConsumers = -1
        /// The account's per-stream and per-consumer limits (-1 / false: none).
        public var maxAckPending = -1
        public var memoryMaxStreamBytes: Int64 = -1
        public var storageMaxStreamBytes: Int64 = -1
        public var maxBytesRequired = false
        /// Most messages handled in one batch (one storage transaction).
        public var maxBatch = 4096

        public init(serverName: String, domain: String? = nil) {
            self.serverName = serverName
            self.domain = domain
        }
    }

    /// Ephemeral consumers without interest (push) or requests (pull) go after 5 s, as in
    /// nats-server.
    static let defaultEphemeralInactivity: Int64 = 5_000_000_000

    public let configuration: Configuration
    public let eventLoop: any EventLoop
    let transport: any JetStreamTransport
    let fileStorage: any StorageEngine
    let memoryStorage: any StorageEngine
    let logger: Logger

    var streams: [String: Stream] = [:]
    /// The bytes `streams` hold, by storage type: kept by `add`, `remove` and each stream's
    /// `byteCount`, so that the storage limits need not add them up on every publish.
    var storedMemoryBytes: Int64 = 0
    var storedFileBytes: Int64 = 0
    /// Every mirror and source link, by id (its transport target).
    var sourceLinks: [String: StreamSourceLink] = [:]
    private var linkCounter: UInt64 = 0
    private var apiSubscriptions: [JetStreamSubscription] = []
    private let inbox = NIOLockedValueBox<(messages: [JetStreamMessage], scheduled: Bool)>(([], false))
    private var deliveryQueue: [Consumer] = []
    private var isDeliveryScheduled = false
    private var tokenCounter: UInt64 = 0
    private var housekeeping: RepeatedTask?
    var apiTotal: UInt64 = 0
    var apiErrors: UInt64 = 0

    /// Wall-clock time and loop time at start: the engine's clock is the loop's, so tests on an
    /// embedded loop can move time (ack waits, expiry) by advancing the loop.
    private let wallClockAtStart: Int64
    private let loopTimeAtStart: NIODeadline

    /// Now, in nanoseconds since 1970, on the engine's clock.
    func now() -> Int64 {
        wallClockAtStart + (eventLoop.now - loopTimeAtStart).nanoseconds
    }

    public init(
        configuration: Configuration,
        eventLoop: any EventLoop,
        transport: any JetStreamTransport,
        fileStorage: any StorageEngine,
        memoryStorage: any StorageEngine,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.transport = transport
        self.fileStorage = fileStorage
        self.memoryStorage = memoryStorage
        self.logger = logger
        self.wallClockAtStart = JetStreamTime.now().nanoseconds
        self.loopTimeAtStart = eventLoop.now
    }

    // MARK: - Lifecycle

    /// Opens the stored streams and subscribes to the API. Runs on the engine's loop.
    public func start() -> EventLoopFuture<Void> {
        eventLoop.submit {
            // On the loop the engines share: the registry is read there, never locked.
            self.configuration.serverResources?.register(self)
            try self.openStoredStreams()
            for subject in self.apiSubjects {
                self.apiSubscriptions.append(try self.transport.subscribe(subject: subject, queue: nil, target: .api))
            }
            self.housekeeping = self.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                self.runHousekeeping()
            }
        }
    }

    /// `$JS.API.>`, and `$JS.<domain>.API.>` when a domain is set.
    var apiSubjects: [String] { Self.apiSubjects(domain: configuration.domain) }

    /// The API's subjects in an account with JetStream in `domain` (also what an account
    /// without JetStream answers with 10039).
    public static func apiSubjects(domain: String?) -> [String] {
        var subjects = ["$JS.API.>"]
        if let domain, !domain.isEmpty { subjects.append("$JS.\(domain).API.>") }
        return subjects
    }

    /// Stops timers and closes the stores (shutdown). Runs on the engine's loop.
    public func shutDown() -> EventLoopFuture<Void> {
        eventLoop.submit {
            self.drainInbox()
            self.housekeeping?.cancel()
            for stream in self.streams.values {
                for consumer in stream.consumers.values { consumer.stop(deleted: false) }
            }
            self.fileStorage.close()
            self.memoryStorage.close()
        }
    }

    private func openStoredStreams() throws {
        for storage in [fileStorage, memoryStorage] {
            for (store, data) in try storage.openStreams() {
                guard let record = try? JSONDecoder().decode(StoredStreamRecord.self, from: Data(data)) else {
                    logger.error("JetStream: cannot read the configuration of stream \(store.name); it stays unloaded")
                    continue
                }
                let stream = Stream(engine: self, configuration: record.config, created: record.created, store: store)
                try stream.loadCounters(watermark: record.lastSequence)
                add(stream)
                try subscribe(stream)
                for saved in try store.consumers() {
                    guard let configuration = try? JSONDecoder().decode(ConsumerConfiguration.self, from: Data(saved.configuration)),
                        let state = ConsumerStateCodec.decode(saved.state)
                    else {
                        logger.error("JetStream: cannot read consumer \(saved.name) of stream \(stream.name)")
                        continue
                    }
                    let consumer = Consumer(
                        stream: stream, name: saved.name, configuration: configuration, created: state.created, isDurable: true)
                    consumer.restore(state)
                    try? consumer.recountPending()
                    stream.consumers[saved.name] = consumer
                    consumer.subscribeReplies()
                    consumer.startHeartbeats()
                    consumer.armAckTimer()
                }
                logger.info("  Restored \(stream.messageCount) messages for stream '\(stream.name)'")
            }
        }
    }

    // MARK: - Inbox

    /// Hands a message to the engine. Any thread.
    public func receive(_ message: JetStreamMessage) {
        let schedule = inbox.withLockedValue { inbox in
            inbox.messages.append(message)
            if inbox.scheduled { return false }
            inbox.scheduled = true
            return true
        }
        if schedule { eventLoop.execute { self.drainInbox() } }
    }

    /// A listener appeared on a push consumer's deliver subject. Any thread. (The consumer
    /// forgets its watch when it finds the interest: a consumer of the same name created since
    /// keeps its own.)
    func interestArrived(stream: String, consumer: String) {
        eventLoop.execute {
            self.streams[stream]?.consumers[consumer]?.deliverAvailable()
        }
    }

    /// A client unsubscribed from a push consumer's deliver subject (its loss watch fired).
    func interestMayBeLost(stream: String, consumer: String) {
        eventLoop.execute {
            guard let consumer = self.streams[stream]?.consumers[consumer] else { return }
            consumer.interestLossWatch = nil
            consumer.deliverAvailable()
        }
    }

    /// Handles everything queued, in batches of at most `maxBatch` messages.
    func drainInbox() {
        eventLoop.assertInEventLoop()
        while true {
            let batch: [JetStreamMessage] = inbox.withLockedValue { inbox in
                let count = min(inbox.messages.count, configuration.maxBatch)
                let taken = Array(inbox.messages.prefix(count))
                inbox.messages.removeFirst(count)
                if inbox.messages.isEmpty { inbox.scheduled = false }
                return taken
            }
            if batch.isEmpty { return }
            process(batch)
            if inbox.withLockedValue({ !$0.scheduled }) { return }
        }
    }

    /// Replies that wait for the batch's commit.
    struct PendingReply {
        var subject: String
        var headers: [UInt8]?
        var payload: [UInt8]
        /// When the commit fails: what to send instead (publishes get an error).
        var failurePayload: [UInt8]?
        /// Sent only if the commit succeeds (a republished message), nothing otherwise.
        var onlyIfCommitted = false
    }

    private var pendingReplies: [PendingReply] = []
    /// Streams whose consumers may have something new to deliver (stored messages, acks that
    /// free room, purges and updates): each gets one delivery pass after the batch commits.
    var touchedStreams: Set<String> = []

    /// One batch: one transaction, then the replies, then deliveries.
    private func process(_ batch: [JetStreamMessage]) {
        do {
            try fileStorage.beginBatch()
        } catch {
            logger.error("JetStream: cannot begin a storage batch: \(error)")
        }
        let now = now()
        for message in batch {
            switch message.target {
            case .stream(let name):
                handlePublish(message, stream: name, now: now)
            case .api:
                handleAPI(message)
            case .ack:
                handleAck(message)
            case .flowControl:
                handleFlowControl(message)
            case .directGet(let name):
                handleDirectGet(message, stream: name)
            case .sourceLink(let id):
                sourceLinks[id]?.handle(message, now: now)
            }
        }
        saveDirtyConsumers()
        var committed = true
        do {
            // Replies wait for the commit: each tells someone their write is stored, so the
            // batch is synced. A batch nobody waits for (plain acks) is not, unless it stores
            // messages (the store syncs those anyway).
            try fileStorage.commitBatch(durability: pendingReplies.isEmpty ? .bestEffort : .promised)
        } catch {
            committed = false
            logger.error("JetStream: storage commit failed: \(error)")
            fileStorage.rollbackBatch()
            recoverAfterFailedBatch()
        }
        let replies = pendingReplies
        pendingReplies.removeAll(keepingCapacity: true)
        for reply in replies {
            if committed {
                transport.publish(subject: reply.subject, reply: nil, headers: reply.headers, payload: reply.payload)
            } else if !reply.onlyIfCommitted {
                let failure = reply.failurePayload ?? Self.storageFailureReply
                transport.publish(subject: reply.subject, reply: nil, headers: nil, payload: failure)
            }
        }
        for name in touchedStreams {
            guard let stream = streams[name] else { continue }
            for consumer in stream.consumers.values { consumer.deliverAvailable() }
        }
        touchedStreams.removeAll(keepingCapacity: true)
        saveDirtyConsumersOutsideBatch()
    }

    /// What a publisher gets instead of its PubAck when the batch could not be committed.
    static let storageFailureReply: [UInt8] = APIResponse.failure(type: "", .storageResourcesExceeded).dropFirstTypeField()

    /// Sends `payload` to `subject` once the current batch has committed.
    func replyAfterCommit(_ subject: String?, payload: [UInt8], headers: [UInt8]? = nil, failurePayload: [UInt8]? = nil) {
        guard let subject, !subject.isEmpty else { return }
        pendingReplies.append(PendingReply(subject: subject, headers: headers, payload: payload, failurePayload: failurePayload))
    }

    /// Publishes a message once the current batch has committed; if it does not, drops it.
    func publishAfterCommit(_ subject: String, headers: [UInt8], payload: [UInt8]) {
        pendingReplies.append(PendingReply(subject: subject, headers: headers, payload: payload, onlyIfCommitted: true))
    }

    /// After a failed commit (or a commit whose sync failed) the store may or may not hold the
    /// batch: rebuild the counters from what it holds.
    private func recoverAfterFailedBatch() {
        for stream in streams.values where !stream.isMemory {
            try? stream.loadCounters(watermark: 0)
            for consumer in stream.consumers.values { try? consumer.recountPending() }
        }
    }

    // MARK: - Publishing into streams

    private func handlePublish(_ message: JetStreamMessage, stream name: String, now: Int64) {
        guard let stream = streams[name] else { return }
        let outcome: Stream.PublishOutcome
        do {
            outcome = try stream.store(message, now: now)
        } catch {
            logger.error("JetStream: storing in \(name) failed: \(error)")
            let failure = error.code == .full ? JetStreamAPIError.storageResourcesExceeded : .streamStoreFailed(error.message)
            replyAfterCommit(message.reply, payload: stream.publishError(failure))
            return
        }
        touchedStreams.insert(name)
        switch outcome {
        case .stored(let sequence):
            replyAfterCommit(
                message.reply, payload: stream.publishAcknowledgement(sequence: sequence, duplicate: false),
                failurePayload: Self.storageFailureReply)
        case .duplicate(let sequence):
            replyAfterCommit(message.reply, payload: stream.publishAcknowledgement(sequence: sequence, duplicate: true))
        case .failed(let error):
            replyAfterCommit(message.reply, payload: stream.publishError(error))
        }
    }

    /// The stream's last sequence moved without a stored message (interest retention):
    /// remember it so restarts do not reuse sequences.
    func streamWatermarkChanged(_ stream: Stream) {
        saveStreamRecord(stream)
    }

    func saveStreamRecord(_ stream: Stream) {
        let record = StoredStreamRecord(config: stream.configuration, created: stream.created, lastSequence: stream.lastSequence)
        if let data = try? JSONEncoder().encode(record) {
            try? stream.store.saveConfiguration([UInt8](data))
        }
    }

    // MARK: - Acks and flow control

    /// The parts of `$JS.ACK.<stream>.<consumer>.<deliveries>.<sseq>.<cseq>.<ts>.<pending>`
    /// that matter, read from the end (newer servers put a domain and account hash in front).
    static func parseAckSubject(_ subject: String) -> (stream: Substring, consumer: Substring, sequence: UInt64)? {
        // The last seven tokens, found backwards on the UTF-8 bytes: pending, ts, cseq, sseq,
        // deliveries, consumer, stream. Offsets in an inline array, not indices in a heap one:
        // this runs once per ack, and the array it used to fill showed in profiles of pull
        // consumers.
        var bytes = subject
        let found: (streamStart: Int, streamEnd: Int, consumerEnd: Int, sequence: UInt64)? = bytes.withUTF8 { utf8 in
            guard SubjectValidation.isAckSubject(UnsafeRawBufferPointer(utf8)) else { return nil }
            // dots[k]: the dot before the (k+1)-th token from the end.
            var dots = InlineArray<7, Int>(repeating: 0)
            var found = 0
            var index = utf8.count
            while index > 0 && found < 7 {
                index -= 1
                if utf8[index] == UInt8(ascii: ".") {
                    dots[found] = index
                    found += 1
                }
            }
            // The stream token starts after "$JS.ACK." at the earliest.
            guard found == 7, dots[6] >= 7 else { return nil }
            var sequence: UInt64 = 0
            var cursor = dots[3] + 1
            guard cursor < dots[2] else { return nil }
            while cursor < dots[2] {
                let digit = utf8[cursor] &- 0x30
                guard digit < 10 else { return nil }
                sequence = sequence &* 10 &+ UInt64(digit)
                cursor += 1
            }
            return (dots[6] + 1, dots[5], dots[4], sequence)
        }
        guard let found else { return nil }
        let utf8 = subject.utf8
        let streamStart = utf8.index(utf8.startIndex, offsetBy: found.streamStart)
        let streamEnd = utf8.index(streamStart, offsetBy: found.streamEnd - found.streamStart)
        let consumerEnd = utf8.index(streamEnd, offsetBy: found.consumerEnd - found.streamEnd)
        return (subject[streamStart..<streamEnd], subject[utf8.index(after: streamEnd)..<consumerEnd], found.sequence)
    }

    private func handleAck(_ message: JetStreamMessage) {
        guard let parsed = Self.parseAckSubject(message.subject),
            let stream = streams[String(parsed.stream)],
            let consumer = stream.consumers[String(parsed.consumer)]
        else {
            if let reply = message.reply { replyAfterCommit(reply, payload: []) }
            return
        }
        let sequence = parsed.sequence
        let kind = Consumer.parseAck(message.payload)
        let acknowledged = consumer.acknowledge(sequence: sequence, kind: kind, reply: message.reply)
        if !acknowledged.isEmpty {
            applyRetention(stream, acknowledged: acknowledged, by: consumer)
            // Room under max_ack_pending again: deliver more.
            scheduleDelivery(for: consumer)
        }
        if case .nak = kind { scheduleDelivery(for: consumer) }
        // Double acks: the reply confirms the ack once it is stored (+NXT replies are pulls).
        if let reply = message.reply, !isNext(kind) { replyAfterCommit(reply, payload: []) }
    }

    private func isNext(_ kind: Consumer.AckKind) -> Bool {
        if case .next = kind { return true }
        return false
    }

    /// Workqueue: acknowledged means done; interest: done once every interested consumer acked.
    private func applyRetention(_ stream: Stream, acknowledged: [UInt64], by consumer: Consumer) {
        switch stream.configuration.retention {
        case .limits:
            return
        case .workqueue:
            for sequence in acknowledged { _ = try? stream.remove(sequence: sequence) }
        case .interest:
            for sequence in acknowledged {
                guard let message = try? stream.store.message(sequence: sequence) else { continue }
                let everyone = stream.consumers.values.filter { $0.wants(subject: message.subject) }
                if everyone.allSatisfy({ $0.hasAcknowledged(sequence) }) { _ = try? stream.remove(sequence: sequence) }
            }
        }
        touchedStreams.insert(stream.name)
    }

    private func handleFlowControl(_ message: JetStreamMessage) {
        // $JS.FC.<stream>.<consumer>.<token>
        let tokens = message.subject.split(separator: ".", omittingEmptySubsequences: false)
        guard tokens.count >= 5, let stream = streams[String(tokens[2])], let consumer = stream.consumers[String(tokens[3])] else { return }
        consumer.flowControlAnswered(message.subject)
    }

    // MARK: - Consumers: persistence and delivery

    private func saveDirtyConsumers() {
        for stream in streams.values {
            for consumer in stream.consumers.values where consumer.isDirty && consumer.isDurable {
                consumer.isDirty = false
                try? stream.store.saveConsumerState(name: consumer.name, state: consumer.savedState())
            }
        }
    }

    /// Deliveries made after the commit changed consumer state: save it in a batch of its own.
    private func saveDirtyConsumersOutsideBatch() {
        let dirty = streams.values.contains { $0.consumers.values.contains { $0.isDirty && $0.isDurable } }
        guard dirty else { return }
        scheduleStateSave()
    }

    private var isStateSaveScheduled = false

    /// Consumer positions are saved at most once per loop pass, in one transaction.
    private func scheduleStateSave() {
        guard !isStateSaveScheduled else { return }
        isStateSaveScheduled = true
        eventLoop.execute {
            self.isStateSaveScheduled = false
            do {
                try self.fileStorage.beginBatch()
                self.saveDirtyConsumers()
                // Delivery positions: lost on a power cut, they mean a redelivery, not a loss.
                try self.fileStorage.commitBatch(durability: .bestEffort)
            } catch {
                self.fileStorage.rollbackBatch()
                self.logger.error("JetStream: saving consumer state failed: \(error)")
            }
        }
    }

    /// Runs a consumer's delivery soon (after timers, acks, new interest).
    func scheduleDelivery(for consumer: Consumer) {
        deliveryQueue.append(consumer)
        guard !isDeliveryScheduled else { return }
        isDeliveryScheduled = true
        eventLoop.execute {
            self.isDeliveryScheduled = false
            let queue = self.deliveryQueue
            self.deliveryQueue.removeAll()
            var seen = Set<ObjectIdentifier>()
            for consumer in queue where seen.insert(ObjectIdentifier(consumer)).inserted {
                consumer.deliverAvailable()
            }
            self.saveDirtyConsumersOutsideBatch()
        }
    }

    func nextToken() -> String {
        tokenCounter &+= 1
        return String(tokenCounter, radix: 36)
    }

    /// An ephemeral consumer nobody used for its inactivity threshold goes away.
    func deleteInactiveConsumer(_ consumer: Consumer) {
        guard let stream = consumer.stream as Stream?, stream.consumers[consumer.name] === consumer else { return }
        consumer.stop(deleted: true)
        stream.consumers[consumer.name] = nil
        logger.debug("JetStream: ephemeral consumer \(consumer.name) of \(stream.name) expired")
    }

    // MARK: - Housekeeping

    /// Once a second: max_age expiry, duplicate windows, idle pull consumers.
    private func runHousekeeping() {
        let now = now()
        for link in sourceLinks.values { link.tick(now: now) }
        var changed = false
        for stream in streams.values {
            stream.pruneDuplicates(now: now)
            if stream.configuration.maxAge > 0 {
                if !changed {
                    try? fileStorage.beginBatch()
                    changed = true
                }
                _ = try? stream.expireMessages(now: now)
            }
            // Ephemeral consumers nobody uses go after their inactivity threshold: pull ones
            // without requests, push ones without a subscriber on the deliver subject.
            // A push consumer's expiry is its own inactivity task, started when its deliver
            // subject is found without a subscriber: this sweep only looks for that, for a
            // transport that cannot say when interest goes.
            for consumer in stream.consumers.values where !consumer.isDurable {
                if consumer.configuration.isPull {
                    if consumer.waiting.isEmpty && eventLoop.now - consumer.lastPullActivity >= consumer.inactivityThreshold {
                        deleteInactiveConsumer(consumer)
                    }
                } else if consumer.noInterestSince == nil, let deliverSubject = consumer.configuration.deliverSubject,
                    !transport.hasInterest(subject: deliverSubject)
                {
                    consumer.deliverAvailable()
                }
            }
        }
        fileStorage.periodicSync()
        if changed {
            saveDirtyConsumers()
            do {
                // Expiry: a power cut at worst brings back messages that were due to go.
                try fileStorage.commitBatch(durability: .bestEffort)
            } catch {
                fileStorage.rollbackBatch()
                recoverAfterFailedBatch()
            }
        }
    }

    // MARK: - Stream subscriptions

    func subscribe(_ stream: Stream) throws {
        startSourceLinks(stream)
        for subject in stream.configuration.subjects {
            stream.subscriptions.append(try transport.subscribe(subject: subject, queue: nil, target: .stream(stream.name)))
        }
        if stream.configuration.allowDirect {
            let base = "$JS.API.DIRECT.GET.\(stream.name)"
            stream.subscriptions.append(try transport.subscribe(subject: base, queue: "_sys_", target: .directGet(stream.name)))
            stream.subscriptions.append(try transport.subscribe(subject: base + ".>", queue: "_sys_", target: .directGet(stream.name)))
        }
    }

    func unsubscribe(_ stream: Stream) {
        for subscription in stream.subscriptions { transport.unsubscribe(subscription) }
        stream.subscriptions.removeAll()
        for link in stream.sourceLinks {
            link.stop()
            sourceLinks[link.id] = nil
        }
        stream.sourceLinks.removeAll()
    }

    /// One link per mirror or source, resuming from what the stream holds; the first request
    /// goes out at once.
    private func startSourceLinks(_ stream: Stream) {
        var sources: [(StreamSource, Bool)] = (stream.configuration.sources ?? []).map { ($0, false) }
        if let mirror = stream.configuration.mirror { sources = [(mirror, true)] }
        for (source, isMirror) in sources {
            linkCounter += 1
            let id = "\(linkPrefix).\(linkCounter)"
            let link = StreamSourceLink(engine: self, stream: stream, source: source, isMirror: isMirror, id: id)
            link.recoverPosition()
            sourceLinks[id] = link
            stream.sourceLinks.append(link)
            link.requestConsumer()
        }
    }

    /// Makes link subjects unique to this run of this server (a restarted server must not take
    /// deliveries meant for its previous consumers).
    private lazy var linkPrefixValue: String = {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() % 1_000_000_000_000, radix: 36)
    }()
    var linkPrefix: String { linkPrefixValue }

    /// Monitoring and account figures.
    public struct Usage: Sendable {
        public var streams: Int
        public var consumers: Int
        public var messages: UInt64
        public var bytes: UInt64
        public var memoryBytes: UInt64
        public var storageBytes: UInt64
        /// API requests handled, and those answered with an error.
        public var apiTotal: UInt64 = 0
        public var apiErrors: UInt64 = 0
    }

    func usage() -> Usage {
        var usage = Usage(
            streams: streams.count, consumers: 0, messages: 0, bytes: 0, memoryBytes: 0, storageBytes: 0, apiTotal: apiTotal,
            apiErrors: apiErrors)
        for stream in streams.values {
            usage.consumers += stream.consumers.count
            usage.messages += stream.messageCount
            usage.bytes += stream.byteCount
            if stream.isMemory { usage.memoryBytes += stream.byteCount } else { usage.storageBytes += stream.byteCount }
        }
        return usage
    }

    /// The usage, read on the engine's loop (for /jsz and /varz).
    public func currentUsage() -> EventLoopFuture<Usage> {
        eventLoop.submit { self.usage() }
    }
}

/// A stream's record in its store: configuration, creation time and the last sequence (kept so
/// that sequences are never reused after purges, expiry or interest skips).
struct StoredStreamRecord: Codable {
    var config: StreamConfiguration
    var created: JetStreamTime
    var lastSequence: UInt64
}
