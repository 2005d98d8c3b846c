import Subjects

/// Streams kept in memory (`storage: memory`): nothing survives a restart.
/// Batches are accepted for symmetry with the SQLite engine; memory writes take effect at once.
public final class MemoryStorageEngine: StorageEngine {
    private var stores: [String: MemoryStreamStore] = [:]
    private var inBatch = false

    public init() {}

    public func openStreams() throws(StoreError) -> [(store: any StreamStore, configuration: [UInt8])] { [] }

    public func createStream(name: String, configuration: [UInt8]) throws(StoreError) -> any StreamStore {
        guard stores[name] == nil else { throw StoreError(.exists, "stream \(name) exists") }
        let store = MemoryStreamStore(name: name)
        store.configuration = configuration
        stores[name] = store
        return store
    }

    public func deleteStream(name: String) throws(StoreError) {
        guard stores.removeValue(forKey: name) != nil else { throw StoreError(.notFound, "stream \(name) not found") }
    }

    public func beginBatch() throws(StoreError) { inBatch = true }
    public func commitBatch(durability: CommitDurability) throws(StoreError) { inBatch = false }
    public func rollbackBatch() { inBatch = false }

    public func storedBytes() -> UInt64 {
        stores.values.reduce(0) { $0 + $1.bytes }
    }

    public func periodicSync() {}

    public func close() {}
}

/// One stream's messages in memory, in sequence order.
public final class MemoryStreamStore: StreamStore {
    public let name: String
    var configuration: [UInt8] = []
    /// Messages by sequence.
    private var messagesBySequence: [UInt64: StoredMessage] = [:]
    /// Stored sequences, ascending (appends are in order; removals leave the array sorted).
    private var sequences: [UInt64] = []
    private var consumerRecords: [String: StoredConsumer] = [:]
    var bytes: UInt64 = 0

    init(name: String) {
        self.name = name
    }

    public func append(_ message: StoredMessage) throws(StoreError) {
        messagesBySequence[message.sequence] = message
        sequences.append(message.sequence)
        bytes += message.memoryStoredSize
    }

    public func message(sequence: UInt64) throws(StoreError) -> StoredMessage? {
        messagesBySequence[sequence]
    }

    /// Index of the first stored sequence ≥ `sequence`.
    private func lowerBound(_ sequence: UInt64) -> Int {
        var low = 0
        var high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if sequences[middle] < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }

    public func nextMessage(from sequence: UInt64, matching filter: String?) throws(StoreError) -> StoredMessage? {
        var index = lowerBound(sequence)
        while index < sequences.count {
            let message = messagesBySequence[sequences[index]]!
            if filter == nil || SubjectPattern.matches(pattern: filter!, subject: message.subject) { return message }
            index += 1
        }
        return nil
    }

    public func lastMessage(subject: String) throws(StoreError) -> StoredMessage? {
        for sequence in sequences.reversed() {
            let message = messagesBySequence[sequence]!
            if message.subject == subject { return message }
        }
        return nil
    }

    public func messages(from sequence: UInt64, limit: Int) throws(StoreError) -> [StoredMessage] {
        let start = lowerBound(sequence)
        return sequences[start..<min(sequences.count, start + limit)].map { messagesBySequence[$0]! }
    }

    public func sequences(matching filter: String?, below sequence: UInt64?) throws(StoreError) -> [UInt64] {
        let end = sequence.map { lowerBound($0) } ?? sequences.count
        return sequences[..<end].filter {
            filter == nil || SubjectPattern.matches(pattern: filter!, subject: messagesBySequence[$0]!.subject)
        }
    }

    public func remove(sequence: UInt64) throws(StoreError) -> Bool {
        guard let message = messagesBySequence.removeValue(forKey: sequence) else { return false }
        let index = lowerBound(sequence)
        if index < sequences.count && sequences[index] == sequence { sequences.remove(at: index) }
        bytes -= min(bytes, message.memoryStoredSize)
        return true
    }

    public func removeAll(below sequence: UInt64) throws(StoreError) -> Int {
        let end = lowerBound(sequence)
        for removed in sequences[..<end] {
            if let message = messagesBySequence.removeValue(forKey: removed) { bytes -= min(bytes, message.memoryStoredSize) }
        }
        sequences.removeFirst(end)
        return end
    }

    public func scan() throws(StoreError) -> StreamStoreSummary {
        var summary = StreamStoreSummary()
        for sequence in sequences {
            let message = messagesBySequence[sequence]!
            summary.messages += 1
            summary.bytes += message.memoryStoredSize
            if summary.firstSequence == 0 {
                summary.firstSequence = sequence
                summary.firstTimestamp = message.timestamp
            }
            summary.lastSequence = sequence
            summary.lastTimestamp = message.timestamp
            if var subject = summary.subjects[message.subject] {
                subject.messages += 1
                subject.lastSequence = sequence
                summary.subjects[message.subject] = subject
            } else {
                summary.subjects[message.subject] = .init(messages: 1, firstSequence: sequence, lastSequence: sequence)
            }
        }
        return summary
    }

    public func saveConfiguration(_ configuration: [UInt8]) throws(StoreError) {
        self.configuration = configuration
    }

    public func saveConsumer(name: String, configuration: [UInt8], state: [UInt8]) throws(StoreError) {
        consumerRecords[name] = StoredConsumer(name: name, configuration: configuration, state: state)
    }

    public func saveConsumerState(name: String, state: [UInt8]) throws(StoreError) {
        consumerRecords[name]?.state = state
    }

    public func deleteConsumer(name: String) throws(StoreError) {
        consumerRecords[name] = nil
    }

    public func consumers() throws(StoreError) -> [StoredConsumer] {
        Array(consumerRecords.values)
    }
}
