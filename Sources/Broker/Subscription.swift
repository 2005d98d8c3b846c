import Synchronization

/// One `SUB` of one connection (or an internal handler of the server itself).
///
/// Identity matters: the subject index stores and removes subscriptions by reference.
/// `delivered` and `maxMessages` belong to the subscriber's event loop: every delivery to a
/// connection is applied on that loop (see ``ClientConnection``), and so is `UNSUB`.
package final class Subscription: @unchecked Sendable {
    /// The connection messages go to; `nil` for internal subscriptions.
    package let connection: ClientConnection?
    /// Called instead of writing to a connection, for subscriptions the server itself holds.
    package let internalHandler: (@Sendable (InternalMessage) -> Void)?
    package let subject: String
    package let queue: String?
    /// The client's subscription id, as bytes for the `MSG` line.
    package let sid: [UInt8]
    /// Auto-unsubscribe after this many deliveries (`UNSUB sid max`); 0 = no limit. Loop only.
    package var maxMessages = 0
    /// Messages delivered so far. Loop only.
    package var delivered = 0
    /// Set once removed, so deliveries already under way skip it.
    package let isClosed = Atomic<Bool>(false)
    /// Interest announced by a leafnode peer (`LS+`): messages go to the link as `LMSG`.
    package let isLeafInterest: Bool
    /// Whether leafnode links announce this subscription to their peers. The store-and-forward
    /// buffer's subscriptions are not: they take local messages to the hub, they do not ask the
    /// hub for its messages.
    package let isAnnounced: Bool
    /// An internal subscription that counts as interest for push consumers (a mirror's or
    /// source's deliver subject), as a client's does; the engine's stream subscriptions do not.
    package let isConsumerInterest: Bool

    package init(connection: ClientConnection, subject: String, queue: String?, sid: [UInt8]) {
        self.connection = connection
        self.internalHandler = nil
        self.subject = subject
        self.queue = queue
        self.sid = sid
        self.isLeafInterest = connection.isLeaf
        self.isAnnounced = true
        self.isConsumerInterest = true
    }

    package init(
        internalSubject subject: String, queue: String? = nil, isAnnounced: Bool = true, isConsumerInterest: Bool = false,
        handler: @escaping @Sendable (InternalMessage) -> Void
    ) {
        self.connection = nil
        self.internalHandler = handler
        self.subject = subject
        self.queue = queue
        self.sid = []
        self.isLeafInterest = false
        self.isAnnounced = isAnnounced
        self.isConsumerInterest = isConsumerInterest
    }

    package var sidString: String { String(decoding: sid, as: UTF8.self) }
}

/// A message handed to an internal subscription: copies, safe to keep and to send elsewhere.
package struct InternalMessage: Sendable {
    package var subject: String
    package var reply: String?
    /// The header block (`NATS/1.0\r\n...\r\n\r\n`), if the message had one.
    package var headers: [UInt8]?
    package var payload: [UInt8]
    /// The account it was published in.
    package var account: Account
    /// The connection that published it, if it came from one.
    package var sender: ClientConnection?

    package init(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], account: Account, sender: ClientConnection?) {
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.payload = payload
        self.account = account
        self.sender = sender
    }
}
