import NATSWire
import NIOCore
import Subjects

/// Publishing and being published to: a client's PUB is routed through the account's subject
/// index and the ``FanoutPlan``; a matching message is written here as `MSG`/`HMSG`
/// (nats-server `processInboundClientMsg`, `processMsgResults`, `deliverMsg`).
extension ClientSession {
    @inline(__always)
    func processPublish(_ op: MessageOp) {
        if transport.isTracing { tracePublish(op) }
        transport.countInbound(bytes: op.payloadCount)

        if op.headerLength != nil && !headersEnabled {
            // nats-server: ErrMsgHeadersNotSupported ends the connection, silently.
            logger.error("\(transport.logPrefix) - message headers not supported")
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
        logger.error("\(transport.logPrefix) - Publish Violation - \(userLogName ?? "User \"\""), Subject \"\(subject)\"")
        sendError("Permissions Violation for Publish to \"\(subject)\"")
    }

    /// Delivers to every matching subscription of our account. Returns whether anyone got it.
    /// `op` is only kept (by reference) for deliveries to connections on other event loops.
    @inline(__always)
    func route(_ op: MessageOp, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer) -> Bool {
        // An ack subject never repeats: neither cache would ever be asked for it again.
        if SubjectValidation.isAckSubject(subject) {
            return fanOut(account.match(subject, cached: false), op, subject: subject, reply: reply, payload: payload)
        }
        let generation = account.generation
        if generation != resultCacheGeneration {
            resultCache.removeAll()
            resultCacheGeneration = generation
        } else if let delivered = resultCache.withValue(
            for: subject,
            { match in
                fanOut(match, op, subject: subject, reply: reply, payload: payload)
            })
        {
            return delivered
        }
        let match = account.match(subject)
        resultCache.set(match, for: subject)
        return fanOut(match, op, subject: subject, reply: reply, payload: payload)
    }

    @inline(__always)
    private func fanOut(
        _ match: borrowing SubjectMatch<Subscription>, _ op: MessageOp, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?,
        payload: UnsafeRawBufferPointer
    ) -> Bool {
        if match.isEmpty { return false }
        var delivery = SubscriptionDelivery(
            subject: subject, reply: reply, payload: payload, headerLength: op.headerLength, currentLoop: transport.deliveryLoop,
            publisher: transport, echo: echo, account: account, origin: .client
        )
        return FanoutPlan<Subscription>().run(match, op, random: &transport.deliveryLoop.random, sink: &delivery)
    }

    /// Writes one message for `subscription` into the outbound buffer. On our loop only.
    ///
    /// Kept small, the rare parts (permissions, auto-unsubscribe, tracing) in functions of their
    /// own: it is inlined into the fan-out, once per subscriber of every message.
    @inline(__always)
    package func deliver(
        _ subscription: Subscription, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, headerLength: Int?,
        payload: UnsafeRawBufferPointer
    ) -> Bool {
        // The subscription's transport is ours; reached through it, it is not retained (each
        // access to `self.transport` would be).
        subscription.withTransport { transport in
            write(
                subscription, transport: transport ?? self.transport, subject: subject, reply: reply, headerLength: headerLength,
                payload: payload)
        }
    }

    /// ``deliver(_:subject:reply:headerLength:payload:)`` with the subscription's transport (ours)
    /// in hand: the fan-out calls this directly.
    @inline(__always)
    func write(
        _ subscription: Subscription, transport: ConnectionTransport, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?,
        headerLength: Int?, payload: UnsafeRawBufferPointer
    ) -> Bool {
        transport.eventLoop.assertInEventLoop()
        if state == .closed || subscription.isClosed.load(ordering: .relaxed) { return false }
        if let permissions, !permits(subject: subject, reply: reply, permissions) { return false }
        subscription.delivered &+= 1
        let maximum = subscription.maxMessages
        if maximum > 0 && subscription.delivered > maximum {
            unsubscribe(subscription)
            return false
        }
        var body = payload
        if let headerLength {
            if headersEnabled {
                subscription.sid.withUnsafeBytes { sid in
                    transport.outbound.writeHeaderMessage(
                        subject: subject, sid: sid, reply: reply, headerLength: headerLength, payload: payload)
                }
            } else {
                // Headers are dropped for a client that did not ask for them, as the reference does.
                body = UnsafeRawBufferPointer(rebasing: payload[headerLength...])
                subscription.sid.withUnsafeBytes { sid in
                    transport.outbound.writeMessage(subject: subject, sid: sid, reply: reply, payload: body)
                }
            }
        } else {
            subscription.sid.withUnsafeBytes { sid in
                transport.outbound.writeMessage(subject: subject, sid: sid, reply: reply, payload: body)
            }
        }
        if transport.isTracing {
            traceDelivery(subscription, subject: subject, headerLength: headersEnabled ? headerLength : nil, count: body.count)
        }
        transport.countOutbound(bytes: body.count)
        if maximum > 0 && subscription.delivered == maximum { autoUnsubscribeReached(subscription) }
        return transport.messageWritten()
    }

    /// The permissions' say on a delivery: a subscribe-deny subject under a wildcard
    /// subscription is not delivered; a request's reply subject is noted for `allow_responses`.
    @inline(never)
    private func permits(subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, _ permissions: ClientPermissions) -> Bool {
        if permissions.checksDeliveries && permissions.deniesDelivery(of: subject) { return false }
        if permissions.responses != nil, let reply { permissions.recordReply(reply) }
        return true
    }

    @inline(never)
    private func autoUnsubscribeReached(_ subscription: Subscription) {
        logger.debug(
            "\(transport.logPrefix) - Auto-unsubscribe limit of \(subscription.maxMessages) reached for sid '\(subscription.sidString)'")
        unsubscribe(subscription)
    }

    @inline(never)
    private func traceDelivery(_ subscription: Subscription, subject: UnsafeRawBufferPointer, headerLength: Int?, count: Int) {
        let subjectText = String(decoding: subject, as: UTF8.self)
        if let headerLength {
            transport.trace("->> [HMSG \(subjectText) \(subscription.sidString) \(headerLength) \(count)]")
        } else {
            transport.trace("->> [MSG \(subjectText) \(subscription.sidString) \(count)]")
        }
    }

    /// nats-server: a request nobody received gets `NATS/1.0 503` back on the reply subject,
    /// through the requester's own subscription that matches it.
    private func sendNoResponders(reply: ByteBuffer) {
        let replySubject = String(buffer: reply)
        let match = account.match(replySubject)
        guard let subscription = match.plain.first(where: { $0.transport === transport }) else { return }
        let header: StaticString = "NATS/1.0 503\r\n\r\n"
        reply.withUnsafeReadableBytes { replyBytes in
            subscription.sid.withUnsafeBytes { sidBytes in
                header.withUTF8Buffer { headerBytes in
                    transport.outbound.writeHeaderMessage(
                        subject: replyBytes,
                        sid: sidBytes,
                        reply: nil,
                        headerLength: headerBytes.count,
                        payload: UnsafeRawBufferPointer(headerBytes)
                    )
                }
            }
        }
        transport.markForFlush()
    }

    private func tracePublish(_ op: MessageOp) {
        let reply = op.reply.map { " " + String(buffer: $0) } ?? ""
        if let headerLength = op.headerLength {
            transport.trace("<<- [HPUB \(String(buffer: op.subject))\(reply) \(headerLength) \(op.payloadCount)]")
        } else {
            transport.trace("<<- [PUB \(String(buffer: op.subject))\(reply) \(op.payloadCount)]")
        }
        let limit = limits.maxTracedMessageLength
        var body = op.payload
        if limit > 0 && body.readableBytes > limit { body = body.getSlice(at: body.readerIndex, length: limit)! }
        transport.trace("<<- MSG_PAYLOAD: [\"\(String(buffer: body))\"]")
    }
}
