import NATSWire
import Subjects

extension Subscription: FanoutMember {
    @inline(__always)
    package var fanoutLink: LeafSession? { link }
}

/// Carries out a ``FanoutPlan`` for one message: writes it at once to subscribers on the
/// publisher's event loop, hands it to the inbox of those on other loops (written there, in
/// order), copies it for the server's own handlers.
///
/// Used by every publisher: client sessions and leafnode links on their loop
/// (`currentLoop` set: a target is local when its delivery batcher is the same one), the server's
/// own publishers on any thread (`currentLoop` nil: a target is local when this thread is its
/// loop's).
///
/// Made for each message, so it holds nothing that costs a retain and a release per delivery:
/// the parts' bytes and identities to compare (an unowned reference would still be retained
/// when read). The operation itself (kept by reference only for deliveries handed to other
/// loops) is passed through the plan borrowed.
struct SubscriptionDelivery: FanoutSink {
    typealias Member = Subscription
    typealias Message = MessageOp

    let subject: UnsafeRawBufferPointer
    let reply: UnsafeRawBufferPointer?
    let payload: UnsafeRawBufferPointer
    let headerLength: Int?
    /// What goes over a leafnode link when it differs from the message (a JetStream delivery
    /// whose subject is not the one it is sent to: `LMSG <destination> <reply>@<subject>`).
    let linkOp: MessageOp?
    /// The publisher's delivery batcher, when it publishes on its event loop.
    let currentLoop: ObjectIdentifier?
    /// The publisher's transport: its own subscriptions get the message only with echo.
    let publisher: ObjectIdentifier?
    let echo: Bool
    /// For the server's own handlers (copied into each `InternalMessage`). Unretained: the
    /// publisher holds it for the duration of the call.
    unowned(unsafe) let account: Account
    let origin: MessageOrigin

    @inline(__always)
    init(
        subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer, headerLength: Int?,
        linkOp: MessageOp? = nil, currentLoop: DeliveryLoop?, publisher: ConnectionTransport?, echo: Bool, account: Account,
        origin: MessageOrigin
    ) {
        self.subject = subject
        self.reply = reply
        self.payload = payload
        self.headerLength = headerLength
        self.linkOp = linkOp
        self.currentLoop = currentLoop.map(ObjectIdentifier.init)
        self.publisher = publisher.map(ObjectIdentifier.init)
        self.echo = echo
        self.account = account
        self.origin = origin
    }

    @inline(__always)
    private func isOnLoop(of transport: ConnectionTransport) -> Bool {
        if let currentLoop { return transport.deliveryLoopID == currentLoop }
        return transport.eventLoop.inEventLoop
    }

    /// The hot path is the first branch (a client on this loop); the rest is out of line, so the
    /// fan-out loop stays small.
    @inline(__always)
    mutating func deliverLocally(to member: Subscription, _ op: borrowing MessageOp) -> Bool {
        member.withTransport { transport in
            guard let transport else { return deliverToHandler(member) }
            if !echo && ObjectIdentifier(transport) == publisher { return false }
            guard isOnLoop(of: transport) else { return handOff(member, to: transport, op) }
            // The session is alive while its transport is open (see `Subscription.session`).
            guard !transport.isClosed else { return false }
            if let client = member.client {
                return client._withUnsafeGuaranteedRef {
                    $0.write(member, transport: transport, subject: subject, reply: reply, headerLength: headerLength, payload: payload)
                }
            }
            return deliverToOtherSession(member)
        }
    }

    @inline(never)
    private func deliverToHandler(_ member: Subscription) -> Bool {
        guard let handler = member.handler, !member.isClosed.load(ordering: .relaxed) else { return false }
        handler(
            InternalMessage.copying(
                subject: subject, reply: reply, headerLength: headerLength, payload: payload, account: account, origin: origin))
        return true
    }

    @inline(never)
    private func deliverToOtherSession(_ member: Subscription) -> Bool {
        guard let session = member.session else { return false }
        return session.deliver(member, subject: subject, reply: reply, headerLength: headerLength, payload: payload)
    }

    /// To a subscriber on another loop: through its inbox, written there in order.
    @inline(never)
    private func handOff(_ member: Subscription, to transport: ConnectionTransport, _ op: borrowing MessageOp) -> Bool {
        if member.isClosed.load(ordering: .relaxed) { return false }
        transport.enqueueFromOtherLoop(PendingDelivery(subscription: member, op: copy op))
        return true
    }

    @inline(never)
    mutating func forward(over link: LeafSession, member: Subscription, queues: [String], _ op: borrowing MessageOp) {
        let transport = link.transport
        if let linkOp {
            if isOnLoop(of: transport) {
                linkOp.withUnsafeParts { subject, reply, payload in
                    link.writeMessage(subject: subject, reply: reply, queues: queues, headerLength: linkOp.headerLength, payload: payload)
                }
            } else {
                transport.enqueueFromOtherLoop(PendingDelivery(subscription: member, op: linkOp, linkQueues: queues))
            }
            return
        }
        if isOnLoop(of: transport) {
            link.writeMessage(subject: subject, reply: reply, queues: queues, headerLength: headerLength, payload: payload)
        } else {
            transport.enqueueFromOtherLoop(PendingDelivery(subscription: member, op: copy op, linkQueues: queues))
        }
    }
}

/// A delivery queued by a publisher on another event loop. The operation's slice keeps the
/// publisher's receive buffer alive until the subscriber's loop has written the message.
struct PendingDelivery: @unchecked Sendable {
    var subscription: Subscription
    var op: MessageOp
    /// Set for a message to a leafnode link: the queue groups the `LMSG` names (often none).
    var linkQueues: [String]?

    init(subscription: Subscription, op: MessageOp, linkQueues: [String]? = nil) {
        self.subscription = subscription
        self.op = op
        self.linkQueues = linkQueues
    }

    /// Writes it, on the subscriber's loop, whose transport is open (the session is then alive).
    func apply() {
        op.withUnsafeParts { subject, reply, payload in
            if let link = subscription.link {
                link.writeMessage(subject: subject, reply: reply, queues: linkQueues ?? [], headerLength: op.headerLength, payload: payload)
            } else if let client = subscription.client {
                _ = client._withUnsafeGuaranteedRef {
                    $0.deliver(subscription, subject: subject, reply: reply, headerLength: op.headerLength, payload: payload)
                }
            } else if let session = subscription.session {
                _ = session.deliver(subscription, subject: subject, reply: reply, headerLength: op.headerLength, payload: payload)
            }
        }
    }
}
