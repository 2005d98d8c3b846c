import Subjects

/// One stream: its configuration, its counters and per-subject index, its deduplication window,
/// its consumers. The store keeps the messages; the stream decides what goes in and what goes out
/// (nats-server `server/stream.go`). Engine thread only.
final class Stream {
    struct SubjectState {
        var messages: UInt64
        var firstSequence: UInt64
        var lastSequence: UInt64
    }

    unowned let engine: JetStreamEngine
    var configuration: StreamConfiguration {
        didSet { republishTransform = Self.republishTransform(configuration) }
    }
    /// `republish`'s mapping (an update can not change it; a stored configuration might hold
    /// one that no longer parses: then nothing is republished).
    private(set) var republishTransform: SubjectTransform?
    let created: JetStreamTime
    let store: any StreamStore
    var isMemory: Bool { configuration.storage == .memory }

    // Counters, rebuilt from the store on start.
    var messageCount: UInt64 = 0
    var byteCount: UInt64 = 0 {
        // The account's totals move with it: the storage limits read them on every publish.
        didSet { if isCounted { engine.storedBytesChanged(memory: isMemory, by: Int64(byteCount) - Int64(oldValue)) } }
    }
    /// Whether the engine counts this stream's bytes (it is one of `engine.streams`).
    var isCounted = false
    /// 0 while nothing was ever stored.
    var firstSequence: UInt64 = 0
    var lastSequence: UInt64 = 0
    var firstTimestamp: Int64 = 0
    var lastTimestamp: Int64 = 0
    var subjects: [String: SubjectState] = [:]

    // Deduplication: message id → sequence, and ids in arrival order for expiry.
    var duplicates: [String: UInt64] = [:]
    var duplicateOrder: [(id: String, timestamp: Int64)] = []
    var duplicateOrderStart = 0
    var lastMessageID: String?

    var consumers: [String: Consumer] = [:]
    var subscriptions: [JetStreamSubscription] = []
    /// The mirror's link, or one per source.
    var sourceLinks: [StreamSourceLink] = []
    /// Set when messages were stored in the current batch: consumers get a look after commit.

    init(engine: JetStreamEngine, configuration: StreamConfiguration, created: JetStreamTime, store: any StreamStore) {
        self.engine = engine
        self.configuration = configuration
        self.created = created
        self.store = store
        republishTransform = Self.republishTransform(configuration)
    }

    private static func republishTransform(_ configuration: StreamConfiguration) -> SubjectTransform? {
        configuration.republish.flatMap { SubjectTransform(source: $0.source, destination: $0.destination) }
    }

    var name: String { configuration.name }
    /// The name as a JSON string literal (a stream name may hold a `"`), for PubAcks.
    lazy var quotedName = JetStreamAPIError.goQuoted(configuration.name)

    /// Rebuilds the counters from what the store holds (start-up, and after a failed batch).
    func loadCounters(watermark: UInt64 = 0) throws(StoreError) {
        let summary = try store.scan()
        messageCount = summary.messages
        byteCount = summary.bytes
        firstSequence = summary.firstSequence
        lastSequence = max(summary.lastSequence, watermark)
        firstTimestamp = summary.firstTimestamp
        lastTimestamp = summary.lastTimestamp
        if messageCount == 0 { firstSequence = lastSequence + 1 }
        subjects = summary.subjects.mapValues {
            SubjectState(messages: $0.messages, firstSequence: $0.firstSequence, lastSequence: $0.lastSequence)
        }
    }

    func size(of message: StoredMessage) -> UInt64 {
        isMemory ? message.memoryStoredSize : message.storedSize
    }

    /// Interior gaps: sequences between first and last that are no longer stored.
    var deletedCount: Int {
        guard messageCount > 0, lastSequence >= firstSequence else { return 0 }
        return Int(lastSequence - firstSequence + 1 - messageCount)
    }

    // MARK: - Removing

    /// Removes one message and updates the counters. Returns the removed message.
    @discardableResult
    func remove(sequence: UInt64) throws(StoreError) -> StoredMessage? {
        guard let message = try store.message(sequence: sequence) else { return nil }
        guard try store.remove(sequence: sequence) else { return nil }
        try account(removed: message)
        return message
    }

    /// Counter bookkeeping for a message that left the store.
    private func account(removed message: StoredMessage) throws(StoreError) {
        messageCount -= 1
        byteCount -= min(byteCount, size(of: message))
        if var subject = subjects[message.subject] {
            subject.messages -= 1
            if subject.messages == 0 {
                subjects[message.subject] = nil
            } else {
                if message.sequence == subject.firstSequence {
                    subject.firstSequence =
                        try store.nextMessage(from: message.sequence + 1, matching: message.subject)?.sequence ?? subject.lastSequence
                }
                if message.sequence == subject.lastSequence {
                    subject.lastSequence =
                        try store.sequences(matching: message.subject, below: message.sequence).last ?? subject.firstSequence
                }
                subjects[message.subject] = subject
            }
        }
        if messageCount == 0 {
            firstSequence = lastSequence + 1
            firstTimestamp = 0
        } else if message.sequence == firstSequence {
            if let next = try store.nextMessage(from: message.sequence + 1, matching: nil) {
                firstSequence = next.sequence
                firstTimestamp = next.timestamp
            }
        }
        for consumer in consumers.values { consumer.messageRemoved(message) }
    }

    /// Removes every message below `sequence` at once (purges, compaction).
    func removeAll(below sequence: UInt64) throws(StoreError) -> UInt64 {
        let before = messageCount
        if sequence > lastSequence {
            _ = try store.removeAll(below: sequence)
            messageCount = 0
            byteCount = 0
            subjects = [:]
            firstSequence = lastSequence + 1
            firstTimestamp = 0
            for consumer in consumers.values { consumer.streamPurged(below: firstSequence) }
            return before
        }
        for found in try store.sequences(matching: nil, below: sequence) {
            try remove(sequence: found)
        }
        return before - messageCount
    }

    // MARK: - Limits

    /// Applies max_msgs, max_bytes and max_msgs_per_subject after a store (discard old).
    func enforceLimits(afterStoring subject: String) throws(StoreError) {
        let configuration = self.configuration
        if configuration.maxMessagesPerSubject > 0 {
            while let state = subjects[subject], state.messages > UInt64(configuration.maxMessagesPerSubject) {
                try remove(sequence: state.firstSequence)
            }
        }
        if configuration.maxMessages > 0 {
            while messageCount > UInt64(configuration.maxMessages) {
                guard try remove(sequence: firstSequence) != nil else { break }
            }
        }
        if configuration.maxBytes > 0 {
            while byteCount > UInt64(configuration.maxBytes) && messageCount > 0 {
                guard try remove(sequence: firstSequence) != nil else { break }
            }
        }
    }

    /// Removes messages older than max_age; returns when the next one expires (ns since 1970).
    func expireMessages(now: Int64) throws(StoreError) -> Int64? {
        guard configuration.maxAge > 0 else { return nil }
        let cutoff = now - configuration.maxAge
        while messageCount > 0 {
            guard let first = try store.message(sequence: firstSequence) else {
                // The counters point at a gap: resynchronise from the store.
                guard let next = try store.nextMessage(from: firstSequence, matching: nil) else { break }
                firstSequence = next.sequence
                continue
            }
            if first.timestamp > cutoff { return first.timestamp + configuration.maxAge }
            try remove(sequence: first.sequence)
        }
        return nil
    }

    // MARK: - Deduplication

    func recordDuplicate(id: String, sequence: UInt64, timestamp: Int64) {
        duplicates[id] = sequence
        duplicateOrder.append((id, timestamp))
    }

    /// Forgets message ids older than the duplicate window.
    func pruneDuplicates(now: Int64) {
        let cutoff = now - configuration.duplicateWindow
        while duplicateOrderStart < duplicateOrder.count && duplicateOrder[duplicateOrderStart].timestamp < cutoff {
            let entry = duplicateOrder[duplicateOrderStart]
            if duplicates[entry.id] != nil { duplicates[entry.id] = nil }
            duplicateOrderStart += 1
        }
        if duplicateOrderStart > 1024 && duplicateOrderStart * 2 > duplicateOrder.count {
            duplicateOrder.removeFirst(duplicateOrderStart)
            duplicateOrderStart = 0
        }
    }

    // MARK: - Info

    func state(subjectsFilter: String?, deletedDetails: Bool) throws(StoreError) -> StreamState {
        var state = StreamState()
        state.messages = messageCount
        state.bytes = byteCount
        state.firstSequence = messageCount == 0 ? (lastSequence == 0 ? 0 : lastSequence + 1) : firstSequence
        state.lastSequence = lastSequence
        state.firstTime = messageCount == 0 ? .zero : JetStreamTime(nanoseconds: firstTimestamp)
        state.lastTime = lastTimestamp == 0 ? .zero : JetStreamTime(nanoseconds: lastTimestamp)
        state.subjectCount = subjects.count
        state.deletedCount = deletedCount
        state.consumerCount = consumers.count
        if let filter = subjectsFilter, !filter.isEmpty {
            var selected: [String: UInt64] = [:]
            for (subject, subjectState) in subjects where filter == ">" || SubjectPattern.matches(pattern: filter, subject: subject) {
                selected[subject] = subjectState.messages
            }
            state.subjects = selected
        }
        if deletedDetails && state.deletedCount > 0 {
            var deleted: [UInt64] = []
            var expected = firstSequence
            for present in try store.sequences(matching: nil, below: lastSequence + 1) {
                while expected < present {
                    deleted.append(expected)
                    expected += 1
                }
                expected = present + 1
            }
            state.deleted = deleted
        }
        return state
    }

    func info(subjectsFilter: String? = nil, deletedDetails: Bool = false) throws(StoreError) -> StreamInfo {
        var info = StreamInfo(
            config: configuration,
            created: created,
            state: try state(subjectsFilter: subjectsFilter, deletedDetails: deletedDetails),
            domain: engine.configuration.domain,
            cluster: ClusterInfo(leader: engine.configuration.serverName)
        )
        let now = engine.now()
        if configuration.mirror != nil {
            info.mirror = sourceLinks.first?.info(now: now)
        } else if !sourceLinks.isEmpty {
            info.sources = sourceLinks.map { $0.info(now: now) }
        }
        return info
    }

    /// Does `subject` belong to this stream?
    func covers(subject: String) -> Bool {
        configuration.subjects.contains { SubjectPattern.matches(pattern: $0, subject: subject) }
    }
}
