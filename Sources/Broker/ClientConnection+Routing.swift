import NIOCore
import NATSWire
import Subjects

/// Publishing: find the subscribers of a subject and write the message to each of them
/// (nats-server `processInboundClientMsg`, `processMsgResults`, `deliverMsg`).
extension ClientConnection {
    @inline(__always)
    func processPublish(_ op: MessageOp) {
        if isTracing { tracePublish(op) }
        inMessages.store(inMessages.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        inBytes.store(inBytes.load(ordering: .relaxed) &+ op.payloadCount, ordering: .relaxed)

        if op.headerLength != nil && !headersEnabled {
            // nats-server: ErrMsgHeadersNotSupported ends the connection, silently.
            logger.error("\(logPrefix) - message headers not supported")
            close(reason: .protocolViolation)
            return
        }
        if options.pedantic {
            let isLiteral = op.subject.withUnsafeReadableBytes { SubjectValidation.isValidLiteralSubject($0) }
            // The reference reports it and still routes the message.
            if !isLiteral { sendError("Invalid Publish Subject") }
        }
        if let permissions, !op.subject.withUnsafeReadableBytes({ permissions.mayPublish($0) }) {
            publishViolation(op)
            return
        }
        if options.verbose { sendOK() }

        let didDeliver = op.withUnsafeParts { subject, reply, payload in
            route(op, subject: subject, reply: reply, payload: payload)
        }
        if !didDeliver, op.hasReply, options.noResponders {
            sendNoResponders(reply: op.reply!)
        }
    }

    /// nats-server's answer to a refused PUB: an error and a log line; the message is dropped
    /// and the connection stays.
    private func publishViolation(_ op: MessageOp) {
        let subject = String(buffer: op.subject)
        logger.error("\(logPrefix) - Publish Violation - \(userLogName ?? "User \"\""), Subject \"\(subject)\"")
        sendError("Permissions Violation for Publish to \"\(subject)\"")
    }

    /// Delivers to every matching subscription of our account. Returns whether anyone got it.
    /// `op` is only kept (by reference) for deliveries to connections on other event loops.
    @inline(__always)
    func route(_ op: MessageOp, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer) -> Bool {
        // An ack subject never repeats: neither cache would ever be asked for it again.
        if SubjectValidation.isAckSubject(subject) {
            return deliver(account.match(subject, cached: false), op, subject: subject, reply: reply, payload: payload)
        }
        let generation = account.generation
        if generation != resultCacheGeneration {
            resultCache.removeAll()
            resultCacheGeneration = generation
        } else if let delivered = resultCache.withValue(for: subject, { match in
            deliver(match, op, subject: subject, reply: reply, payload: payload)
        }) {
            return delivered
        }
        let match = account.match(subject)
        resultCache.set(match, for: subject)
        return deliver(match, op, subject: subject, reply: reply, payload: payload)
    }

    /// Delivers one message to the subscribers in `match`. Leafnode links are collected and get
    /// one `LMSG` each after the local deliveries (naming the queue groups chosen for them);
    /// a queue group prefers its local members, as nats-server does. `inboundQueues` is set for
    /// a message that came over a leafnode link: only the groups it names are served.
    @inline(__always)
    func deliver(
        _ match: borrowing SubjectMatch<Subscription>,
        _ op: MessageOp,
        subject: UnsafeRawBufferPointer,
        reply: UnsafeRawBufferPointer?,
        payload: UnsafeRawBufferPointer,
        inboundQueues: [String]? = nil
    ) -> Bool {
        if match.isEmpty { return false }
        var didDeliver = false
        var leafFanout = LeafFanout()
        for subscription in match.plain {
            if subscription.isLeafInterest {
                if mayForward(to: subscription) { leafFanout.add(subscription, queue: nil) }
                continue
            }
            if deliver(to: subscription, op, subject: subject, reply: reply, payload: payload) {
                didDeliver = true
            }
        }
        for group in match.queueGroups {
            if let inboundQueues, !inboundQueues.contains(group.name) { continue }
            let members = group.members
            let count = members.count
            let start = count > 1 ? Int(deliveryLoop.nextRandom() % UInt64(count)) : 0
            var remoteMember: Subscription?
            var served = false
            for offset in 0..<count {
                let member = members[(start + offset) % count]
                if member.isLeafInterest {
                    if remoteMember == nil, mayForward(to: member) { remoteMember = member }
                    continue
                }
                if deliver(to: member, op, subject: subject, reply: reply, payload: payload) {
                    served = true
                    break
                }
            }
            if !served, let remoteMember { leafFanout.add(remoteMember, queue: group.name) }
            if served { didDeliver = true }
        }
        if !leafFanout.isEmpty {
            for target in leafFanout.targets {
                sendToLeaf(target, op, subject: subject, reply: reply, payload: payload)
            }
            didDeliver = true
        }
        return didDeliver
    }

    /// Whether a message from this connection may go to the leafnode link holding `subscription`:
    /// never back where it came from, and not from one hub to another (a message that came down
    /// a solicited link does not go up another solicited link, as in nats-server).
    @inline(__always)
    private func mayForward(to subscription: Subscription) -> Bool {
        guard let target = subscription.connection, target !== self else { return false }
        if isLeaf && leaf?.isSolicited == true && target.leaf?.isSolicited == true { return false }
        return true
    }

    @inline(__always)
    private func sendToLeaf(_ target: LeafFanout.Target, _ op: MessageOp, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer) {
        let connection = target.connection
        if connection.deliveryLoop === deliveryLoop {
            connection.writeToLeaf(subject: subject, reply: reply, queues: target.queues, headerLength: op.headerLength, payload: payload)
        } else {
            connection.enqueueFromOtherLoop(PendingDelivery(subscription: target.subscription, op: op, leafQueues: target.queues))
        }
    }

    /// One delivery from this (publishing) connection to one subscription.
    @inline(__always)
    private func deliver(
        to subscription: Subscription,
        _ op: MessageOp,
        subject: UnsafeRawBufferPointer,
        reply: UnsafeRawBufferPointer?,
        payload: UnsafeRawBufferPointer
    ) -> Bool {
        guard let target = subscription.connection else {
            guard let handler = subscription.internalHandler else { return false }
            handler(InternalMessage.copying(subject: subject, reply: reply, headerLength: op.headerLength, payload: payload, account: account, sender: self))
            return true
        }
        if target === self && !echo { return false }
        if target.deliveryLoop === deliveryLoop {
            return target.write(subscription, subject: subject, reply: reply, headerLength: op.headerLength, payload: payload)
        }
        if subscription.isClosed.load(ordering: .relaxed) { return false }
        target.enqueueFromOtherLoop(PendingDelivery(subscription: subscription, op: op))
        return true
    }

    /// Writes one message for `subscription` into our outbound buffer. On our loop only.
    @inline(__always)
    func write(
        _ subscription: Subscription,
        subject: UnsafeRawBufferPointer,
        reply: UnsafeRawBufferPointer?,
        headerLength: Int?,
        payload: UnsafeRawBufferPointer
    ) -> Bool {
        if state == .closed || subscription.isClosed.load(ordering: .relaxed) { return false }
        if let permissions {
            if permissions.checksDeliveries && permissions.deniesDelivery(of: subject) { return false }
            if permissions.responses != nil, let reply { permissions.recordReply(reply) }
        }
        subscription.delivered &+= 1
        let maximum = subscription.maxMessages
        if maximum > 0 && subscription.delivered > maximum {
            unsubscribe(subscription)
            return false
        }
        let bodyLength = subscription.sid.withUnsafeBytes { sid in
            encode(subject, sid, reply, headerLength, payload)
        }
        outMessages.store(outMessages.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        outBytes.store(outBytes.load(ordering: .relaxed) &+ bodyLength, ordering: .relaxed)
        if maximum > 0 && subscription.delivered == maximum {
            logger.debug("\(logPrefix) - Auto-unsubscribe limit of \(maximum) reached for sid '\(subscription.sidString)'")
            unsubscribe(subscription)
        }
        if outbound.readableBytes >= Self.outboundFlushThreshold {
            // Hand big batches to the socket now instead of growing the buffer (and malloc
            // churning through large, page-faulting allocations) until the loop's flush.
            if outbound.readableBytes > maxPending {
                slowConsumer(reason: .slowConsumerPendingBytes, pendingBytes: outbound.readableBytes)
                return false
            }
            flushNow()
            return state != .closed
        }
        markForFlush()
        return true
    }

    /// Outbound bytes that trigger a write before the end of the loop iteration (nats-server
    /// flushes at twice its 32 KiB buffer size for the same reason).
    static let outboundFlushThreshold = 64 * 1024

    /// `MSG` or `HMSG`, or `MSG` without the headers for a client that did not ask for them
    /// (as the reference does). Returns the body length counted in `out_bytes`.
    @inline(__always)
    private func encode(
        _ subject: UnsafeRawBufferPointer,
        _ sid: UnsafeRawBufferPointer,
        _ reply: UnsafeRawBufferPointer?,
        _ headerLength: Int?,
        _ payload: UnsafeRawBufferPointer
    ) -> Int {
        if let headerLength {
            if headersEnabled {
                outbound.writeHeaderMessage(subject: subject, sid: sid, reply: reply, headerLength: headerLength, payload: payload)
                if isTracing { trace("->> [HMSG \(String(decoding: subject, as: UTF8.self)) \(String(decoding: sid, as: UTF8.self)) \(headerLength) \(payload.count)]") }
                return payload.count
            }
            let body = UnsafeRawBufferPointer(rebasing: payload[headerLength...])
            outbound.writeMessage(subject: subject, sid: sid, reply: reply, payload: body)
            if isTracing { trace("->> [MSG \(String(decoding: subject, as: UTF8.self)) \(String(decoding: sid, as: UTF8.self)) \(body.count)]") }
            return body.count
        }
        outbound.writeMessage(subject: subject, sid: sid, reply: reply, payload: payload)
        if isTracing { trace("->> [MSG \(String(decoding: subject, as: UTF8.self)) \(String(decoding: sid, as: UTF8.self)) \(payload.count)]") }
        return payload.count
    }

    /// Queues a delivery from another event loop; the first one schedules a drain on ours.
    func enqueueFromOtherLoop(_ delivery: PendingDelivery) {
        let wasEmpty = inbox.withLock { queue in
            let wasEmpty = queue.isEmpty
            queue.append(delivery)
            return wasEmpty
        }
        if wasEmpty {
            eventLoop.execute { self.drainInbox() }
        }
    }

    /// Applies the deliveries queued by other loops, in the order they were queued.
    func drainInbox() {
        let deliveries = inbox.withLock { queue in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for delivery in deliveries {
            guard state != .closed else { return }
            let op = delivery.op
            if let leafQueues = delivery.leafQueues {
                op.withUnsafeParts { subject, reply, payload in
                    writeToLeaf(subject: subject, reply: reply, queues: leafQueues, headerLength: op.headerLength, payload: payload)
                }
                continue
            }
            _ = op.withUnsafeParts { subject, reply, payload in
                write(delivery.subscription, subject: subject, reply: reply, headerLength: op.headerLength, payload: payload)
            }
        }
    }

    /// nats-server: a request nobody received gets `NATS/1.0 503` back on the reply subject,
    /// through the requester's own subscription that matches it.
    private func sendNoResponders(reply: ByteBuffer) {
        let replySubject = String(buffer: reply)
        let match = account.match(replySubject)
        guard let subscription = match.plain.first(where: { $0.connection === self }) else { return }
        let header: StaticString = "NATS/1.0 503\r\n\r\n"
        reply.withUnsafeReadableBytes { replyBytes in
            subscription.sid.withUnsafeBytes { sidBytes in
                header.withUTF8Buffer { headerBytes in
                    outbound.writeHeaderMessage(
                        subject: replyBytes,
                        sid: sidBytes,
                        reply: nil,
                        headerLength: headerBytes.count,
                        payload: UnsafeRawBufferPointer(headerBytes)
                    )
                }
            }
        }
        markForFlush()
    }

    private func tracePublish(_ op: MessageOp) {
        let reply = op.reply.map { " " + String(buffer: $0) } ?? ""
        if let headerLength = op.headerLength {
            trace("<<- [HPUB \(String(buffer: op.subject))\(reply) \(headerLength) \(op.payloadCount)]")
        } else {
            trace("<<- [PUB \(String(buffer: op.subject))\(reply) \(op.payloadCount)]")
        }
        let limit = broker.configuration.maxTracedMessageLength
        var body = op.payload
        if limit > 0 && body.readableBytes > limit { body = body.getSlice(at: body.readerIndex, length: limit)! }
        trace("<<- MSG_PAYLOAD: [\"\(String(buffer: body))\"]")
    }
}

extension InternalMessage {
    static func copying(subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, headerLength: Int?, payload: UnsafeRawBufferPointer, account: Account, sender: ClientConnection?) -> InternalMessage {
        var headers: [UInt8]?
        var body: [UInt8]
        if let headerLength {
            headers = Array(payload[..<headerLength])
            body = Array(payload[headerLength...])
        } else {
            body = Array(payload)
        }
        return InternalMessage(
            subject: String(decoding: subject, as: UTF8.self),
            reply: reply.map { String(decoding: $0, as: UTF8.self) },
            headers: headers,
            payload: body,
            account: account,
            sender: sender
        )
    }
}
