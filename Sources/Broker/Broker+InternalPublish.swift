import NATSWire
import Subjects

/// Messages the server itself publishes (JetStream acknowledgements, API replies, consumer
/// deliveries): routed like a client's publish, from a thread that is not a client's event loop.
extension Broker {
    /// Publishes a message as the server.
    /// - Parameters:
    ///   - destination: the subject subscribers are matched against.
    ///   - subject: the subject written in `MSG` (JetStream delivers to an inbox but shows the
    ///     stream subject).
    ///   - isOneOff: the destination is used once (a reply inbox): do not cache its match.
    package func publishInternal(
        destination: String,
        subject: String,
        reply: String?,
        headers: [UInt8]?,
        payload: [UInt8],
        account: Account? = nil,
        isOneOff: Bool = false
    ) {
        let account = account ?? globalAccount
        let match = account.match(destination, cacheResult: !isOneOff)
        if match.isEmpty { return }
        let op = MessageOp(subject: subject, reply: reply, headers: headers, payload: payload)
        var leafFanout = LeafFanout()
        for subscription in match.plain {
            if subscription.isLeafInterest {
                leafFanout.add(subscription, queue: nil)
            } else {
                deliverInternal(to: subscription, op, account: account)
            }
        }
        var generator = SystemRandomNumberGenerator()
        for group in match.queueGroups where !group.members.isEmpty {
            // Local members first, a leafnode link only when there is none (as for clients).
            let start = Int(generator.next() % UInt64(group.members.count))
            var remoteMember: Subscription?
            var served = false
            for offset in 0..<group.members.count {
                let member = group.members[(start + offset) % group.members.count]
                if member.isLeafInterest {
                    if remoteMember == nil { remoteMember = member }
                } else if deliverInternal(to: member, op, account: account) {
                    served = true
                    break
                }
            }
            if !served, let remoteMember { leafFanout.add(remoteMember, queue: group.name) }
        }
        guard !leafFanout.isEmpty else { return }
        // A delivery whose subject is not the one it is sent to (a JetStream push delivery)
        // crosses a leafnode link as `LMSG <destination> <reply>@<subject>`, as nats-server sends it.
        let leafOp: MessageOp
        if destination != subject, let reply {
            leafOp = MessageOp(subject: destination, reply: reply + "@" + subject, headers: headers, payload: payload)
        } else {
            leafOp = op
        }
        for target in leafFanout.targets {
            let connection = target.connection
            if connection.eventLoop.inEventLoop {
                leafOp.withUnsafeParts { subject, reply, payload in
                    connection.writeToLeaf(subject: subject, reply: reply, queues: target.queues, headerLength: leafOp.headerLength, payload: payload)
                }
            } else {
                connection.enqueueFromOtherLoop(PendingDelivery(subscription: target.subscription, op: leafOp, leafQueues: target.queues))
            }
        }
    }

    @discardableResult
    private func deliverInternal(to subscription: Subscription, _ op: MessageOp, account: Account) -> Bool {
        if subscription.isClosed.load(ordering: .relaxed) { return false }
        if let handler = subscription.internalHandler {
            op.withUnsafeParts { subject, reply, payload in
                handler(InternalMessage.copying(subject: subject, reply: reply, headerLength: op.headerLength, payload: payload, account: account, sender: nil))
            }
            return true
        }
        guard let target = subscription.connection else { return false }
        if target.eventLoop.inEventLoop {
            return op.withUnsafeParts { subject, reply, payload in
                target.write(subscription, subject: subject, reply: reply, headerLength: op.headerLength, payload: payload)
            }
        }
        target.enqueueFromOtherLoop(PendingDelivery(subscription: subscription, op: op))
        return true
    }

    /// `true` when a client (not the server itself) subscribes to something matching `subject`.
    package func hasClientInterest(_ subject: String, account: Account? = nil) -> Bool {
        let match = (account ?? globalAccount).match(subject)
        if match.plain.contains(where: { $0.isConsumerInterest }) { return true }
        return match.queueGroups.contains { $0.members.contains { $0.isConsumerInterest } }
    }
}
