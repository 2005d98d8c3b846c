import Synchronization

/// One interest in a subject: a session's `SUB`, a leafnode peer's `LS+`, or a handler of the
/// server itself.
///
/// Identity matters: the subject index stores and removes subscriptions by reference.
/// `delivered` and `maxMessages` belong to the subscriber's event loop: every delivery to a
/// session is applied on that loop (see ``ConnectionTransport``), and so is `UNSUB`.
package final class Subscription: @unchecked Sendable {
    /// The connection of a session's or a link's subscription (`nil` for a handler): its event
    /// loop, its delivery batcher and its inbox. Retained by the subscription (released in
    /// `deinit`) and read on the delivery path through ``withTransport(_:)``, which costs no
    /// reference counting: a plain reference would be retained and released around every
    /// delivery, several times over (measured: a third of the CPU of a fan-out).
    private let transportReference: Unmanaged<ConnectionTransport>?
    /// The session a message goes to, one delivery per subscription (a NATS client; an MQTT
    /// session would be another). Unowned and unretained on purpose: the session is alive for as
    /// long as its transport is open (the transport holds it until it closes), which a delivery
    /// checks first, on the session's loop.
    package unowned(unsafe) let session: (any MessageSubscriber)?
    /// The same session when it is a NATS client, the common case on every delivery: called
    /// directly through a guaranteed reference, so the write is inlined into the fan-out without
    /// reference counting. Other protocols take `session`.
    let client: Unmanaged<ClientSession>?
    /// A leafnode link's interest: the link gets one `LMSG` however many of its subscriptions
    /// match, naming the queue groups given to it.
    package let link: LeafSession?
    /// The server itself (JetStream, imports, the store-and-forward buffer): called on the
    /// publisher's thread with a copy.
    package let handler: (@Sendable (InternalMessage) -> Void)?
    /// Interest announced by a leafnode peer (`link` is set).
    package let isLinkInterest: Bool
    package let subject: String
    package let queue: String?
    /// The client's subscription id, as bytes for the `MSG` line (a link's key for `LS+`).
    package let sid: [UInt8]
    /// Auto-unsubscribe after this many deliveries (`UNSUB sid max`); 0 = no limit. Loop only.
    package var maxMessages = 0
    /// Messages delivered so far. Loop only.
    package var delivered = 0
    /// Set once removed, so deliveries already under way skip it.
    package let isClosed = Atomic<Bool>(false)
    /// Whether leafnode links announce this subscription to their peers. The store-and-forward
    /// buffer's subscriptions are not: they take local messages to the hub, they do not ask the
    /// hub for its messages.
    package let isAnnounced: Bool
    /// An internal subscription that counts as interest for push consumers (a mirror's or
    /// source's deliver subject), as a client's does; the engine's stream subscriptions do not.
    package let isConsumerInterest: Bool

    /// A session's subscription.
    package init(session: some MessageSubscriber, subject: String, queue: String?, sid: [UInt8]) {
        self.transportReference = .passRetained(session.transport)
        self.session = session
        self.client = (session as? ClientSession).map { .passUnretained($0) }
        self.link = nil
        self.handler = nil
        self.isLinkInterest = false
        self.subject = subject
        self.queue = queue
        self.sid = sid
        self.isAnnounced = true
        self.isConsumerInterest = true
    }

    /// A leafnode peer's interest (`key` is `subject` or `subject queue`).
    package init(link: LeafSession, subject: String, queue: String?, key: [UInt8]) {
        self.transportReference = .passRetained(link.transport)
        self.session = nil
        self.client = nil
        self.link = link
        self.handler = nil
        self.isLinkInterest = true
        self.subject = subject
        self.queue = queue
        self.sid = key
        self.isAnnounced = true
        self.isConsumerInterest = true
    }

    /// A handler of the server itself.
    package init(
        internalSubject subject: String, queue: String? = nil, isAnnounced: Bool = true, isConsumerInterest: Bool = false,
        handler: @escaping @Sendable (InternalMessage) -> Void
    ) {
        self.transportReference = nil
        self.session = nil
        self.client = nil
        self.link = nil
        self.handler = handler
        self.isLinkInterest = false
        self.subject = subject
        self.queue = queue
        self.sid = []
        self.isAnnounced = isAnnounced
        self.isConsumerInterest = isConsumerInterest
    }

    deinit {
        transportReference?.release()
    }

    /// The transport, for paths where a retain does not matter.
    package var transport: ConnectionTransport? { transportReference?.takeUnretainedValue() }

    /// Calls `body` with the transport (nil for a handler) without retaining it.
    @inline(__always)
    func withTransport<Result>(_ body: (ConnectionTransport?) -> Result) -> Result {
        guard let transportReference else { return body(nil) }
        return transportReference._withUnsafeGuaranteedRef { body($0) }
    }

    package var sidString: String { String(decoding: sid, as: UTF8.self) }
}

/// A protocol session that subscriptions deliver to (the NATS client session; an MQTT session
/// would be another). Called on the session's own event loop only.
package protocol MessageSubscriber: AnyObject, Sendable {
    var transport: ConnectionTransport { get }

    /// Writes one message that matched `subscription`. Returns whether the session took it: not
    /// when it is closed, past the subscription's auto-unsubscribe maximum, or its permissions
    /// deny the subject (a queue group then tries another member).
    func deliver(
        _ subscription: Subscription, subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, headerLength: Int?,
        payload: UnsafeRawBufferPointer
    ) -> Bool
}
