/// What the JetStream engine needs from the server around it: subscriptions, publishing and
/// interest. The broker conforms; the engine never imports it (dependencies point down).
public protocol JetStreamTransport: AnyObject, Sendable {
    /// Subscribes the engine to `subject` (wildcards allowed) in the engine's account; matching
    /// messages are handed to the engine with `target`.
    func subscribe(subject: String, queue: String?, target: JetStreamTarget) throws -> JetStreamSubscription

    func unsubscribe(_ subscription: JetStreamSubscription)

    /// Publishes a message as the server (no permissions apply). Safe from any thread.
    func publish(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8])

    /// Delivers a consumer's message: routed to the subscribers of `destination` (a deliver
    /// subject or a pull request's inbox) but shown to them with its stream `subject`, as
    /// nats-server delivers JetStream messages.
    func deliver(to destination: String, subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8])

    /// `true` when some client subscription matches `subject` (push consumers deliver only then).
    func hasInterest(subject: String) -> Bool
}

/// An opaque handle for ``JetStreamTransport/unsubscribe(_:)``.
public final class JetStreamSubscription: @unchecked Sendable {
    public let subject: String
    /// Whatever the transport needs to find it again.
    public let token: AnyObject

    public init(subject: String, token: AnyObject) {
        self.subject = subject
        self.token = token
    }
}

/// Which part of the engine a subscription feeds.
public enum JetStreamTarget: Sendable, Equatable {
    /// `$JS.API.>` (and the domain form): API requests.
    case api
    /// `$JS.ACK.<stream>.<consumer>.>`: acknowledgements.
    case ack
    /// `$JS.FC.<stream>.<consumer>.>`: flow-control replies from push consumers' clients.
    case flowControl
    /// A stream's subjects: messages to store.
    case stream(String)
    /// `$JS.API.DIRECT.GET.<stream>`: direct gets, answered by the stream.
    case directGet(String)
    /// A mirror's or source's deliveries and consumer-create answers (the link's id).
    case sourceLink(String)
}

/// A message handed to the engine (copies: safe across threads).
public struct JetStreamMessage: Sendable {
    public var target: JetStreamTarget
    public var subject: String
    public var reply: String?
    public var headers: [UInt8]?
    public var payload: [UInt8]

    public init(target: JetStreamTarget, subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8]) {
        self.target = target
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.payload = payload
    }
}
