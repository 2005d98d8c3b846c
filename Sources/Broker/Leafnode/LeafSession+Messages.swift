import NATSWire
import NIOCore

/// Messages over the link: `LMSG` from the peer routed to our subscribers and other links,
/// ours written to the peer.
extension LeafSession {
    /// A message from the peer: to our subscribers and other links, never back; queue groups
    /// only if the peer named them; no no-responders status (only the publisher's server
    /// answers that).
    func processMessage(_ op: MessageOp) {
        transport.countInbound(bytes: op.payloadCount)
        if transport.isTracing {
            transport.trace("<<- [LMSG \(String(buffer: op.subject))\(op.reply.map { " " + String(buffer: $0) } ?? "") \(op.payloadCount)]")
        }
        if link.rules.filtersImports {
            let allowed = op.subject.withUnsafeReadableBytes { link.rules.mayReceive($0) }
            if !allowed { return }
        }
        let plan = FanoutPlan<Subscription>(arrivedOver: self, servedQueues: op.queues)
        // A JetStream delivery made on the other side: `<ack reply>@<stored subject>`.
        if let reply = op.reply, reply.readableBytes > 8, reply.getString(at: reply.readerIndex, length: 8) == "$JS.ACK.",
            let replyText = reply.getString(at: reply.readerIndex, length: reply.readableBytes),
            let at = replyText.lastIndex(of: "@")
        {
            let destination = String(buffer: op.subject)
            let presented = MessageOp(
                subject: String(replyText[replyText.index(after: at)...]),
                reply: String(replyText[..<at]),
                headers: op.headerLength.map { length in op.payload.getBytes(at: op.payload.readerIndex, length: length) ?? [] },
                payload: op.payload.getBytes(
                    at: op.payload.readerIndex + (op.headerLength ?? 0), length: op.payloadCount - (op.headerLength ?? 0)) ?? []
            )
            let match = account.match(destination)
            _ = presented.withUnsafeParts { subject, reply, payload in
                var delivery = delivery(of: presented, subject: subject, reply: reply, payload: payload)
                return plan.run(match, presented, random: &transport.deliveryLoop.random, sink: &delivery)
            }
            return
        }
        _ = op.withUnsafeParts { subject, reply, payload in
            let match = account.match(subject)
            var delivery = delivery(of: op, subject: subject, reply: reply, payload: payload)
            return plan.run(match, op, random: &transport.deliveryLoop.random, sink: &delivery)
        }
    }

    private func delivery(
        of op: borrowing MessageOp, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer
    ) -> SubscriptionDelivery {
        SubscriptionDelivery(
            subject: subject, reply: reply, payload: payload, headerLength: op.headerLength, currentLoop: transport.deliveryLoop,
            publisher: transport, echo: true, account: account, origin: .link(isSolicited: isSolicitedLink)
        )
    }

    /// Writes one message to the peer as `LMSG`/`HMSG` (our loop only). Subjects the link's
    /// rules deny are not sent; headers are dropped for a peer that does not support them.
    func writeMessage(
        subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, queues: [String], headerLength: Int?,
        payload: UnsafeRawBufferPointer
    ) {
        transport.eventLoop.assertInEventLoop()
        guard !transport.isClosed, link.isEstablished else { return }
        if !link.rules.mayPublish(subject) { return }
        var headerLength = headerLength
        var payload = payload
        if let length = headerLength, !headersEnabled {
            payload = UnsafeRawBufferPointer(rebasing: payload[length...])
            headerLength = nil
        }
        transport.outbound.writeLeafMessage(subject: subject, reply: reply, queues: queues, headerLength: headerLength, payload: payload)
        if transport.isTracing {
            transport.trace(
                "->> [LMSG \(String(decoding: subject, as: UTF8.self))\(reply.map { " " + String(decoding: $0, as: UTF8.self) } ?? "") \(payload.count)]"
            )
        }
        transport.countOutbound(bytes: payload.count)
        _ = transport.messageWritten()
    }
}
