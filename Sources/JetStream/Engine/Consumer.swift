import NIOCore
import Subjects

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A consumer of a stream: where it is, what is awaiting acknowledgement, who is waiting for
/// messages (nats-server `server/consumer.go`). Engine thread only.
final class Consumer {
    /// A delivered message not yet acknowledged.
    struct Pending: Equatable {
        var consumerSequence: UInt64
        /// When it was (last) delivered, ns since 1970.
        var timestamp: Int64
        var deliveries: Int
    }

    /// A waiting pull request (`CONSUMER.MSG.NEXT`).
    struct PullRequest {
        var reply: String
        var remaining: Int
        var maxBytes: Int
        var bytesDelivered = 0
        var deliveredAny = false
        var noWait: Bool
        var expires: NIODeadline?
        var heartbeat: TimeAmount?
        var lastActivity: NIODeadline
        let received: NIODeadline
    }

    unowned let stream: Stream
    var engine: JetStreamEngine { stream.engine }
    let name: String
    var configuration: ConsumerConfiguration
    let created: JetStreamTime
    let isDurable: Bool
    /// `$JS.ACK.<stream>.<consumer>.`: the fixed start of every delivery's ack subject.
    private(set) lazy var ackSubjectPrefix: [UInt8] = Array("$JS.ACK.\(stream.name).\(name).".utf8)

    // Position.
    var deliveredConsumerSequence: UInt64 = 0
    var deliveredStreamSequence: UInt64 = 0
    /// The next stream sequence to look at for messages not yet delivered.
    var nextStreamSequence: UInt64 = 1
    var ackFloorConsumerSequence: UInt64 = 0
    var ackFloorStreamSequence: UInt64 = 0
    var pending: [UInt64: Pending] = [:]
    /// Pending stream sequences in delivery order (ascending: new deliveries only grow), with
    /// acknowledged ones dropped lazily from the front: the ack floor without a scan.
    var pendingOrder: [UInt64] = []
    var pendingOrderStart = 0
    /// Stream sequences to deliver again, in order, with the earliest time each may go.
    var redeliveries: [(sequence: UInt64, notBefore: Int64)] = []
    /// For `last_per_subject`: the initial messages still to deliver, by stream sequence.
    var initialSequences: [UInt64] = []
    /// Messages ahead of the consumer that match its filter (maintained as the stream changes).
    var pendingCount: UInt64 = 0
    var lastActive: JetStreamTime?
    /// Messages read ahead from the store in one query (reading one row per delivery was the
    /// cost of a pull consumer), consumed from `readAheadIndex`.
    var readAhead: [StoredMessage] = []
    var readAheadIndex = 0
    static let readAheadCount = 256

    // Pull.
    var waiting: [PullRequest] = []
    // Push.
    var isPushActive = false
    var flowControlReply: String?
    /// Bytes delivered and not yet vouched for by a flow-control answer.
    var flowControlPendingBytes = 0
    /// `flowControlPendingBytes` when the outstanding request went out.
    var flowControlRequestedAtBytes = 0
    /// How many bytes may be pending (see `flowControlInitialWindow`).
    var flowControlWindow = Consumer.flowControlInitialWindow
    var lastDeliveryDeadline = NIODeadline.uptimeNanoseconds(0)
    var noInterestSince: NIODeadline?

    var isDirty = false
    var isDeleted = false
    var ackTimer: Scheduled<Void>?
    var ackTimerDeadline: NIODeadline?
    var heartbeatTask: Scheduled<Void>?
    /// The acknowledgement and flow-control subscriptions (see `subscribeReplies`).
    var replySubscriptions: [JetStreamSubscription] = []
    var pullTimer: Scheduled<Void>?
    var interestPoll: Scheduled<Void>?
    /// Registered while a push consumer waits for a listener on its deliver subject.
    var interestWatch: InterestWatch?
    /// Registered while a push consumer has a listener: tells when one goes.
    var interestLossWatch: InterestWatch?
    /// An ephemeral push consumer without a listener is deleted when this fires.
    var inactivityTask: Scheduled<Void>?
    var lastPullActivity = NIODeadline.uptimeNanoseconds(0)

    init(stream: Stream, name: String, configuration: ConsumerConfiguration, created: JetStreamTime, isDurable: Bool) {
        self.stream = stream
        self.name = name
        self.configuration = configuration
        self.created = created
        self.isDurable = isDurable
        lastDeliveryDeadline = stream.engine.eventLoop.now
        lastPullActivity = lastDeliveryDeadline
    }

    var filters: [String] { configuration.filters }

    /// Does this consumer take messages on `subject`?
    func wants(subject: String) -> Bool {
        let filters = self.filters
        if filters.isEmpty { return true }
        return filters.contains { SubjectPattern.matches(pattern: $0, subject: subject) }
    }

    /// One filter the store can apply directly, or `nil` when there is none or several.
    var storeFilter: String? {
        let filters = self.filters
        return filters.count == 1 ? filters[0] : nil
    }

    // MARK: - Starting position

    /// Sets where delivery starts, from the deliver policy (new consumers).
    func setStartingPosition() throws(StoreError) {
        let stream = self.stream
        switch configuration.deliverPolicy {
        case .all:
            nextStreamSequence = max(1, stream.firstSequence)
        case .last:
            if let filter = storeFilter {
                nextStreamSequence = try lastSequence(matching: filter) ?? stream.lastSequence + 1
            } else if filters.isEmpty {
                nextStreamSequence = stream.messageCount > 0 ? stream.lastSequence : stream.lastSequence + 1
            } else {
                nextStreamSequence = filters.compactMap { try? lastSequence(matching: $0) }.max() ?? stream.lastSequence + 1
            }
        case .new:
            nextStreamSequence = stream.lastSequence + 1
        case .byStartSequence:
            nextStreamSequence = max(1, configuration.optionalStartSequence)
        case .byStartTime:
            let start = configuration.optionalStartTime?.nanoseconds ?? 0
            nextStreamSequence = stream.lastSequence + 1
            var cursor = max(1, stream.firstSequence)
            search: while true {
                let batch = try stream.store.messages(from: cursor, limit: 256)
                if batch.isEmpty { break }
                for message in batch where message.timestamp >= start {
                    nextStreamSequence = message.sequence
                    break search
                }
                cursor = batch.last!.sequence + 1
            }
        case .lastPerSubject:
            initialSequences = stream.subjects
                .filter { wants(subject: $0.key) }
                .map(\.value.lastSequence)
                .sorted()
            nextStreamSequence = stream.lastSequence + 1
        }
        // The consumer starts "just before" its first message.
        let start = initialSequences.first ?? nextStreamSequence
        deliveredStreamSequence = start > 0 ? start - 1 : 0
        ackFloorStreamSequence = deliveredStreamSequence
        try recountPending()
    }

    private func lastSequence(matching filter: String) throws(StoreError) -> UInt64? {
        if !SubjectValidation.hasWildcard(filter) { return stream.subjects[filter]?.lastSequence }
        return stream.subjects.filter { SubjectPattern.matches(pattern: filter, subject: $0.key) }.map(\.value.lastSequence).max()
    }

    /// Recomputes how many matching messages lie ahead (creation, restart, purges).
    func recountPending() throws(StoreError) {
        var count: UInt64 = UInt64(initialSequences.count)
        let from = nextStreamSequence
        for (subject, state) in stream.subjects where wants(subject: subject) {
            if state.firstSequence >= from {
                count += state.messages
            } else if state.lastSequence >= from {
                let below = try stream.store.sequences(matching: subject, below: from).count
                count += state.messages - UInt64(below)
            }
        }
        pendingCount = count
    }

    // MARK: - Stream changes

    /// A message was stored in the stream.
    func messageStored(_ message: StoredMessage) {
        if message.sequence >= nextStreamSequence && wants(subject: message.subject) { pendingCount += 1 }
    }

    /// A message left the stream (limits, purge, delete, retention).
    func messageRemoved(_ message: StoredMessage) {
        if readAheadIndex < readAhead.count, readAhead[readAheadIndex...].contains(where: { $0.sequence == message.sequence }) {
            readAhead.removeAll()
            readAheadIndex = 0
        }
        if message.sequence >= nextStreamSequence && wants(subject: message.subject) && pendingCount > 0 {
            pendingCount -= 1
        }
        if let index = initialSequences.firstIndex(of: message.sequence) {
            initialSequences.remove(at: index)
            if pendingCount > 0 { pendingCount -= 1 }
        }
        if pending.removeValue(forKey: message.sequence) != nil {
            updateAckFloor()
            isDirty = true
        }
    }

    /// Everything below `sequence` went at once.
    func streamPurged(below sequence: UInt64) {
        readAhead.removeAll()
        readAheadIndex = 0
        let before = pending.count
        pending = pending.filter { $0.key >= sequence }
        rebuildPendingOrder()
        redeliveries.removeAll { $0.sequence < sequence }
        initialSequences.removeAll { $0 < sequence }
        if nextStreamSequence < sequence { nextStreamSequence = sequence }
        if deliveredStreamSequence < sequence - 1 { deliveredStreamSequence = sequence - 1 }
        if pending.count != before || true { updateAckFloor() }
        try? recountPending()
        isDirty = true
    }

    // MARK: - Acknowledgement state

    /// The ack floor follows the lowest message still awaiting acknowledgement.
    func updateAckFloor() {
        while pendingOrderStart < pendingOrder.count && pending[pendingOrder[pendingOrderStart]] == nil {
            pendingOrderStart += 1
        }
        if pendingOrderStart > 256 && pendingOrderStart * 2 > pendingOrder.count {
            pendingOrder.removeFirst(pendingOrderStart)
            pendingOrderStart = 0
        }
        if pendingOrderStart < pendingOrder.count, let lowest = pending[pendingOrder[pendingOrderStart]] {
            let sequence = pendingOrder[pendingOrderStart]
            ackFloorStreamSequence = sequence > 0 ? sequence - 1 : 0
            ackFloorConsumerSequence = lowest.consumerSequence > 0 ? lowest.consumerSequence - 1 : 0
        } else {
            ackFloorStreamSequence = deliveredStreamSequence
            ackFloorConsumerSequence = deliveredConsumerSequence
        }
    }

    /// Rebuilds the delivery order from `pending` (after a restart or a purge).
    func rebuildPendingOrder() {
        pendingOrder = pending.keys.sorted()
        pendingOrderStart = 0
    }

    /// Has this consumer acknowledged (or otherwise finished with) `sequence`?
    func hasAcknowledged(_ sequence: UInt64) -> Bool {
        if configuration.ackPolicy == .none { return sequence <= deliveredStreamSequence }
        return sequence <= deliveredStreamSequence && pending[sequence] == nil
    }

    // MARK: - Info

    func info() -> ConsumerInfo {
        ConsumerInfo(
            streamName: stream.name,
            name: name,
            created: created,
            config: configuration,
            delivered: SequenceInfo(
                consumerSequence: deliveredConsumerSequence, streamSequence: deliveredStreamSequence, lastActive: lastActive),
            ackFloor: SequenceInfo(consumerSequence: ackFloorConsumerSequence, streamSequence: ackFloorStreamSequence),
            ackPendingCount: pending.count,
            redeliveredCount: pending.values.filter { $0.deliveries > 1 }.count,
            waitingCount: waiting.count,
            pendingCount: pendingCount,
            cluster: ClusterInfo(leader: engine.configuration.serverName),
            pushBound: configuration.deliverSubject.map { engine.transport.hasInterest(subject: $0) } ?? false
        )
    }

    // MARK: - Persistence

    /// What is saved of a consumer's state between restarts.
    struct SavedState: Equatable {
        var deliveredConsumerSequence: UInt64
        var deliveredStreamSequence: UInt64
        var nextStreamSequence: UInt64
        var ackFloorConsumerSequence: UInt64
        var ackFloorStreamSequence: UInt64
        var pending: [UInt64: Pending]
        var initialSequences: [UInt64]
        var created: JetStreamTime
    }

    func savedState() -> [UInt8] {
        let state = SavedState(
            deliveredConsumerSequence: deliveredConsumerSequence,
            deliveredStreamSequence: deliveredStreamSequence,
            nextStreamSequence: nextStreamSequence,
            ackFloorConsumerSequence: ackFloorConsumerSequence,
            ackFloorStreamSequence: ackFloorStreamSequence,
            pending: pending,
            initialSequences: initialSequences,
            created: created
        )
        return ConsumerStateCodec.encode(state)
    }

    func restore(_ state: SavedState) {
        deliveredConsumerSequence = state.deliveredConsumerSequence
        deliveredStreamSequence = state.deliveredStreamSequence
        nextStreamSequence = state.nextStreamSequence
        ackFloorConsumerSequence = state.ackFloorConsumerSequence
        ackFloorStreamSequence = state.ackFloorStreamSequence
        pending = state.pending
        initialSequences = state.initialSequences
        rebuildPendingOrder()
    }

    /// Subscribes this consumer's acknowledgement and flow-control subjects
    /// (`$JS.ACK.<stream>.<consumer>.>`, `$JS.FC.<stream>.<consumer>.>`), as nats-server does per
    /// consumer: interest in them is announced over leafnode links, and a wildcard over every
    /// stream would draw the hub's own acknowledgements down the uplink.
    func subscribeReplies() {
        for (prefix, target) in [("$JS.ACK", JetStreamTarget.ack), ("$JS.FC", JetStreamTarget.flowControl)] {
            if let subscription = try? engine.transport.subscribe(subject: "\(prefix).\(stream.name).\(name).>", queue: nil, target: target)
            {
                replySubscriptions.append(subscription)
            }
        }
    }

    /// Stops timers; pull requests still waiting are told the consumer is gone.
    func stop(deleted: Bool) {
        isDeleted = true
        for subscription in replySubscriptions { engine.transport.unsubscribe(subscription) }
        replySubscriptions.removeAll()
        ackTimer?.cancel()
        heartbeatTask?.cancel()
        pullTimer?.cancel()
        interestPoll?.cancel()
        inactivityTask?.cancel()
        if let interestWatch { engine.transport.cancelInterestWatch(interestWatch) }
        interestWatch = nil
        if let interestLossWatch { engine.transport.cancelInterestWatch(interestLossWatch) }
        interestLossWatch = nil
        if deleted {
            for request in waiting {
                engine.transport.publish(
                    subject: request.reply, reply: nil, headers: NATSHeaders.status(409, "Consumer Deleted"), payload: [])
            }
        }
        waiting.removeAll()
    }
}
