import NIOCore
import Subjects

/// Delivering messages: to the deliver subject (push) or to waiting pull requests (pull);
/// redeliveries first, then new messages; flow control and idle heartbeats for push consumers.
extension Consumer {
    /// Flow control, in nats-server's terms: at most a window of bytes (delivery subject, reply
    /// subject, headers and payload) delivered and not yet vouched for by an answer; a request
    /// goes out at half of it. The window starts at the reference's 32 MiB pending limit / 16
    /// and doubles with each answer up to the limit (its slow start). (A window counted in
    /// messages, 2,048 then 4,096, held a hub sourcing 128-byte messages back.)
    static let flowControlInitialWindow = 2 * 1024 * 1024
    static let flowControlMaximumWindow = 32 * 1024 * 1024

    /// Delivers what can be delivered now.
    func deliverAvailable() {
        guard !isDeleted else { return }
        if configuration.isPull {
            deliverToWaitingRequests()
        } else {
            deliverPush()
        }
    }

    /// Room left under max_ack_pending.
    private var hasAckRoom: Bool {
        configuration.ackPolicy == .none || configuration.maxAckPending <= 0 || pending.count < configuration.maxAckPending
    }

    /// The next message to deliver (a due redelivery first), without consuming it.
    private func peekNext(now: Int64) -> (message: StoredMessage, isRedelivery: Bool)? {
        while let first = redeliveries.first, first.notBefore <= now {
            if pending[first.sequence] != nil, let message = try? stream.store.message(sequence: first.sequence) {
                return (message, true)
            }
            redeliveries.removeFirst()
        }
        guard hasAckRoom else { return nil }
        while let sequence = initialSequences.first {
            if let message = try? stream.store.message(sequence: sequence) { return (message, false) }
            initialSequences.removeFirst()
        }
        // New messages: from the read-ahead, refilled with one query.
        while true {
            while readAheadIndex < readAhead.count {
                let message = readAhead[readAheadIndex]
                if message.sequence < nextStreamSequence || !wants(subject: message.subject) {
                    readAheadIndex += 1
                    continue
                }
                return (message, false)
            }
            guard nextStreamSequence <= stream.lastSequence else { return nil }
            if let filter = storeFilter, !SubjectValidation.hasWildcard(filter) {
                // A literal filter goes through the subject index one message at a time.
                guard let message = try? stream.store.nextMessage(from: nextStreamSequence, matching: filter) else { return nil }
                readAhead = [message]
            } else {
                readAhead = (try? stream.store.messages(from: nextStreamSequence, limit: Self.readAheadCount)) ?? []
            }
            readAheadIndex = 0
            if readAhead.isEmpty { return nil }
            if readAhead.allSatisfy({ !wants(subject: $0.subject) }) {
                nextStreamSequence = readAhead.last!.sequence + 1
                readAhead.removeAll()
            }
        }
    }

    /// Records the delivery of `message` and builds its ack reply subject.
    /// `reply`: the ack subject when the caller already made it (``ackReply(forNext:isRedelivery:)``).
    private func recordDelivery(_ message: StoredMessage, isRedelivery: Bool, now: Int64, reply: String? = nil) -> String {
        let reply = reply ?? ackReply(forNext: message, isRedelivery: isRedelivery)
        deliveredConsumerSequence += 1
        var deliveries = 1
        if isRedelivery {
            redeliveries.removeFirst()
            deliveries = (pending[message.sequence]?.deliveries ?? 0) + 1
        } else {
            if let first = initialSequences.first, first == message.sequence {
                initialSequences.removeFirst()
            } else {
                nextStreamSequence = message.sequence + 1
                if readAheadIndex < readAhead.count && readAhead[readAheadIndex].sequence == message.sequence { readAheadIndex += 1 }
            }
            if message.sequence > deliveredStreamSequence { deliveredStreamSequence = message.sequence }
            if pendingCount > 0 { pendingCount -= 1 }
        }
        if configuration.ackPolicy == .none {
            ackFloorStreamSequence = deliveredStreamSequence
            ackFloorConsumerSequence = deliveredConsumerSequence
        } else {
            if !isRedelivery { pendingOrder.append(message.sequence) }
            pending[message.sequence] = Pending(consumerSequence: deliveredConsumerSequence, timestamp: now, deliveries: deliveries)
            armAckTimer(earliest: now + ackWait(forDeliveries: deliveries))
        }
        lastActive = JetStreamTime(nanoseconds: now)
        isDirty = true
        return reply
    }

    /// The ack reply subject the next delivery of `message` carries, as ``recordDelivery``
    /// will record it (a pull request's `max_bytes` counts it before the delivery is made).
    private func ackReply(forNext message: StoredMessage, isRedelivery: Bool) -> String {
        let deliveries = isRedelivery ? (pending[message.sequence]?.deliveries ?? 0) + 1 : 1
        let pendingAfter = isRedelivery || pendingCount == 0 ? pendingCount : pendingCount - 1
        return AckSubject.make(
            prefix: ackSubjectPrefix,
            deliveries: UInt64(deliveries),
            streamSequence: message.sequence,
            consumerSequence: deliveredConsumerSequence + 1,
            timestamp: message.timestamp,
            pending: pendingAfter
        )
    }

    /// Headers and payload as delivered (headers only when configured so).
    private func deliveredContent(_ message: StoredMessage) -> (headers: [UInt8]?, payload: [UInt8]) {
        guard configuration.headersOnly else { return (message.headers, message.payload) }
        var headers = message.headers.flatMap { NATSHeaders(parsing: $0) } ?? NATSHeaders()
        headers.set(JetStreamHeader.messageSize, String(message.payload.count))
        return (headers.encoded, [])
    }

    // MARK: Push

    private func deliverPush() {
        guard let deliverSubject = configuration.deliverSubject else { return }
        guard engine.transport.hasInterest(subject: deliverSubject) else {
            if isPushActive { isPushActive = false }
            if noInterestSince == nil {
                noInterestSince = engine.eventLoop.now
                scheduleInactivityDeletion()
            }
            watchForInterest(in: deliverSubject)
            scheduleInterestPoll()
            return
        }
        if let interestWatch {
            engine.transport.cancelInterestWatch(interestWatch)
            self.interestWatch = nil
        }
        watchForInterestLoss(in: deliverSubject)
        isPushActive = true
        noInterestSince = nil
        inactivityTask?.cancel()
        inactivityTask = nil
        let now = engine.now()
        var delivered = 0
        while !isFlowControlStalled, let (message, isRedelivery) = peekNext(now: now) {
            let reply = recordDelivery(message, isRedelivery: isRedelivery, now: now)
            let content = deliveredContent(message)
            engine.transport.deliver(
                to: deliverSubject, subject: message.subject, reply: reply, headers: content.headers, payload: content.payload)
            delivered += 1
            lastDeliveryDeadline = engine.eventLoop.now
            if configuration.flowControl {
                flowControlPendingBytes +=
                    deliverSubject.utf8.count + reply.utf8.count + content.payload.count + (content.headers?.count ?? 0)
                if flowControlReply == nil && flowControlPendingBytes > flowControlWindow / 2 {
                    sendFlowControlRequest(to: deliverSubject)
                }
            }
            // Keep one batch bounded: the engine serves others between batches.
            if delivered >= 4096 {
                engine.scheduleDelivery(for: self)
                break
            }
        }
        scheduleRedeliveryWakeUp(now: now)
    }

    private var isFlowControlStalled: Bool {
        flowControlReply != nil && flowControlPendingBytes > flowControlWindow
    }

    private func sendFlowControlRequest(to deliverSubject: String) {
        let reply = "$JS.FC.\(stream.name).\(name).\(engine.nextToken())"
        flowControlReply = reply
        flowControlRequestedAtBytes = flowControlPendingBytes
        engine.transport.publish(
            subject: deliverSubject, reply: reply, headers: NATSHeaders.status(100, "FlowControl Request"), payload: [])
    }

    /// The client answered a flow-control request.
    func flowControlAnswered(_ subject: String) {
        guard subject == flowControlReply else { return }
        flowControlReply = nil
        flowControlWindow = min(flowControlWindow * 2, Self.flowControlMaximumWindow)
        // The answer vouches for what was sent before the request; what followed stays pending.
        flowControlPendingBytes = max(0, flowControlPendingBytes - flowControlRequestedAtBytes)
        flowControlRequestedAtBytes = 0
        deliverAvailable()
    }

    /// Clients usually create a push consumer before they subscribe to its deliver subject:
    /// the first delivery follows their subscription at once, not at the next poll.
    private func watchForInterest(in deliverSubject: String) {
        guard interestWatch == nil else { return }
        let engine = self.engine
        let streamName = stream.name
        let consumerName = name
        interestWatch = engine.transport.watchInterest(in: deliverSubject) {
            engine.interestArrived(stream: streamName, consumer: consumerName)
        }
        // A subscription made between the check and the watch would not fire it.
        if interestWatch != nil && engine.transport.hasInterest(subject: deliverSubject) {
            engine.interestArrived(stream: streamName, consumer: consumerName)
        }
    }

    /// While a push consumer has a listener: a watch that fires when one unsubscribes, so an
    /// ephemeral consumer's inactivity starts counting then (nats-server starts its delete
    /// timer when the deliver subject loses interest), not at the next sweep.
    private func watchForInterestLoss(in deliverSubject: String) {
        guard interestLossWatch == nil, !isDurable else { return }
        let engine = self.engine
        let streamName = stream.name
        let consumerName = name
        interestLossWatch = engine.transport.watchInterestLoss(in: deliverSubject) {
            engine.interestMayBeLost(stream: streamName, consumer: consumerName)
        }
    }

    /// `inactive_threshold`, or the default for an ephemeral consumer that has none.
    var inactivityThreshold: TimeAmount {
        .nanoseconds(configuration.inactiveThreshold > 0 ? configuration.inactiveThreshold : JetStreamEngine.defaultEphemeralInactivity)
    }

    /// An ephemeral push consumer without a listener goes at its inactivity threshold.
    private func scheduleInactivityDeletion() {
        guard !isDurable else { return }
        inactivityTask?.cancel()
        inactivityTask = engine.eventLoop.assumeIsolated().scheduleTask(in: inactivityThreshold) { [weak self] in
            guard let self, !self.isDeleted, self.noInterestSince != nil else { return }
            self.inactivityTask = nil
            if let deliverSubject = self.configuration.deliverSubject, self.engine.transport.hasInterest(subject: deliverSubject) {
                self.deliverAvailable()
            } else {
                self.engine.deleteInactiveConsumer(self)
            }
        }
    }

    /// Push consumers without interest look again shortly (an ephemeral one's expiry is its
    /// inactivity task's).
    private func scheduleInterestPoll() {
        guard interestPoll == nil else { return }
        interestPoll = engine.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { [weak self] in
            guard let self, !self.isDeleted else { return }
            self.interestPoll = nil
            self.deliverAvailable()
        }
    }

    /// Idle heartbeats (push): tell the client the consumer is alive when nothing was delivered.
    func startHeartbeats() {
        guard configuration.idleHeartbeat > 0, let deliverSubject = configuration.deliverSubject else { return }
        let interval = TimeAmount.nanoseconds(configuration.idleHeartbeat)
        // One task per tick, re-armed by the last: the loop-isolated scheduler takes a closure
        // that is not Sendable (the consumer is not), and has no repeated form.
        heartbeatTask = engine.eventLoop.assumeIsolated().scheduleTask(in: interval) { [weak self] in
            guard let self, !self.isDeleted else { return }
            self.startHeartbeats()
            guard engine.eventLoop.now - self.lastDeliveryDeadline >= interval else { return }
            var fields = [
                (JetStreamHeader.lastConsumer, String(self.deliveredConsumerSequence)),
                (JetStreamHeader.lastStream, String(self.deliveredStreamSequence)),
            ]
            // An unanswered request is named, stalled or not, so a client that lost it can answer.
            if let pending = self.flowControlReply { fields.append((JetStreamHeader.consumerStalled, pending)) }
            self.engine.transport.publish(
                subject: deliverSubject, reply: nil, headers: NATSHeaders.status(100, "Idle Heartbeat", fields), payload: [])
        }
    }

    // MARK: Pull

    /// How long a pull request is served without interest in its reply subject while a leafnode
    /// link is up (nats-server's `defaultGatewayRecentSubExpiration`).
    static let recentRequestGrace = TimeAmount.milliseconds(250)

    private func deliverToWaitingRequests() {
        let now = engine.now()
        var delivered = 0
        var replyWithInterest: String?
        while !waiting.isEmpty {
            guard let (message, isRedelivery) = peekNext(now: now) else { break }
            var request = waiting[0]
            if request.reply != replyWithInterest {
                // As nats-server: a request whose requester is gone is dropped rather than fed
                // messages nobody receives (they would wait out ack_wait).
                guard hasRequester(request) else {
                    waiting.removeFirst()
                    continue
                }
                replyWithInterest = request.reply
            }
            let content = deliveredContent(message)
            var ackSubject: String?
            if request.maxBytes > 0 {
                // nats-server counts what the delivery carries: subject, ack reply, headers,
                // payload. A message that does not fit ends the request, delivered part or not.
                let next = ackReply(forNext: message, isRedelivery: isRedelivery)
                let size = message.subject.utf8.count + next.utf8.count + (content.headers?.count ?? 0) + content.payload.count
                if request.bytesDelivered + size > request.maxBytes {
                    endRequest(request, status: 409, description: "Message Size Exceeds MaxBytes")
                    waiting.removeFirst()
                    continue
                }
                request.bytesDelivered += size
                ackSubject = next
            }
            let reply = recordDelivery(message, isRedelivery: isRedelivery, now: now, reply: ackSubject)
            engine.transport.deliver(
                to: request.reply, subject: message.subject, reply: reply, headers: content.headers, payload: content.payload)
            request.remaining -= 1
            request.deliveredAny = true
            request.lastActivity = engine.eventLoop.now
            if request.remaining <= 0 {
                waiting.removeFirst()
            } else {
                waiting[0] = request
            }
            delivered += 1
            if delivered >= 4096 {
                engine.scheduleDelivery(for: self)
                break
            }
        }
        // A no-wait request that got something ends when nothing more is available, with the
        // reference's 408 and what it still wanted. One held back by max_ack_pending while
        // messages wait stays: acks make room and it goes on (as nats-server).
        if !waiting.isEmpty && peekNext(now: now) == nil && (hasAckRoom || pendingCount == 0) {
            waiting.removeAll { request in
                guard request.noWait && request.deliveredAny else { return false }
                sendRequestTimeout(request)
                return true
            }
        }
        scheduleRedeliveryWakeUp(now: now)
        armPullTimer()
    }

    /// Whether someone listens on the request's reply subject; across a leafnode link interest
    /// may arrive after the request, so a recent request gets the benefit of the doubt.
    private func hasRequester(_ request: PullRequest) -> Bool {
        let transport = engine.transport
        if transport.hasInterest(subject: request.reply) { return true }
        return transport.interestCanLag && engine.eventLoop.now - request.received < Self.recentRequestGrace
    }

    /// Delivery of a NAKed-with-delay message has to be retried when its delay is over.
    private func scheduleRedeliveryWakeUp(now: Int64) {
        guard let first = redeliveries.first, first.notBefore > now else { return }
        let delay = first.notBefore - now
        _ = engine.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { [weak self] in
            self?.deliverAvailable()
        }
    }
}
