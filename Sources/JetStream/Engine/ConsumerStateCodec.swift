/// A consumer's saved state in a compact binary form: written once per batch in which the
/// consumer moved, so it must be small (SD cards wear with every byte) and cheap to make
/// (JSON of a 500-entry pending map was a quarter of the CPU of a pull consumer).
///
/// Layout (all integers LEB128 varints, sequences as deltas from the previous one):
/// version, delivered (consumer, stream), next stream sequence, ack floor (consumer, stream),
/// created (zig-zag ns), pending count, then per pending message in stream order: stream
/// sequence delta, consumer sequence (zig-zag delta), deliveries, delivery time (zig-zag delta);
/// then the initial last-per-subject sequences as a count and deltas.
enum ConsumerStateCodec {
    static let version: UInt64 = 1

    static func encode(_ state: Consumer.SavedState) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + state.pending.count * 8)
        put(&bytes, version)
        put(&bytes, state.deliveredConsumerSequence)
        put(&bytes, state.deliveredStreamSequence)
        put(&bytes, state.nextStreamSequence)
        put(&bytes, state.ackFloorConsumerSequence)
        put(&bytes, state.ackFloorStreamSequence)
        put(&bytes, zigzag(state.created.nanoseconds))
        put(&bytes, UInt64(state.pending.count))
        var previousSequence: UInt64 = 0
        var previousConsumer: Int64 = 0
        var previousTime: Int64 = 0
        for sequence in state.pending.keys.sorted() {
            let entry = state.pending[sequence]!
            put(&bytes, sequence - previousSequence)
            put(&bytes, zigzag(Int64(bitPattern: entry.consumerSequence) &- previousConsumer))
            put(&bytes, UInt64(max(0, entry.deliveries)))
            put(&bytes, zigzag(entry.timestamp &- previousTime))
            previousSequence = sequence
            previousConsumer = Int64(bitPattern: entry.consumerSequence)
            previousTime = entry.timestamp
        }
        put(&bytes, UInt64(state.initialSequences.count))
        previousSequence = 0
        for sequence in state.initialSequences {
            put(&bytes, sequence &- previousSequence)
            previousSequence = sequence
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> Consumer.SavedState? {
        var index = 0
        func next() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count && shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        guard let version = next(), version == Self.version,
            let deliveredConsumer = next(), let deliveredStream = next(), let nextStream = next(),
            let floorConsumer = next(), let floorStream = next(), let created = next(), let pendingCount = next(),
            pendingCount < 100_000_000
        else { return nil }
        var pending: [UInt64: Consumer.Pending] = [:]
        pending.reserveCapacity(Int(pendingCount))
        var sequence: UInt64 = 0
        var consumerSequence: Int64 = 0
        var time: Int64 = 0
        for _ in 0..<pendingCount {
            guard let sequenceDelta = next(), let consumerDelta = next(), let deliveries = next(), let timeDelta = next() else {
                return nil
            }
            sequence &+= sequenceDelta
            consumerSequence &+= unzigzag(consumerDelta)
            time &+= unzigzag(timeDelta)
            pending[sequence] = Consumer.Pending(
                consumerSequence: UInt64(bitPattern: consumerSequence), timestamp: time, deliveries: Int(deliveries))
        }
        guard let initialCount = next(), initialCount < 100_000_000 else { return nil }
        var initial: [UInt64] = []
        sequence = 0
        for _ in 0..<initialCount {
            guard let delta = next() else { return nil }
            sequence &+= delta
            initial.append(sequence)
        }
        return Consumer.SavedState(
            deliveredConsumerSequence: deliveredConsumer,
            deliveredStreamSequence: deliveredStream,
            nextStreamSequence: nextStream,
            ackFloorConsumerSequence: floorConsumer,
            ackFloorStreamSequence: floorStream,
            pending: pending,
            initialSequences: initial,
            created: JetStreamTime(nanoseconds: unzigzag(created))
        )
    }

    @inline(__always)
    private static func put(_ bytes: inout [UInt8], _ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    @inline(__always)
    private static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    @inline(__always)
    private static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}
