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

    /// `true` while a leafnode link of the engine's account is up: interest from across it may
    /// arrive after a request that relies on it.
    var interestCanLag: Bool { get }

    /// Calls `handler` once, from any thread, when a client subscribes to a subject that matches
    /// the literal `subject`; `nil` when the transport can not tell (the engine polls).
    func watchInterest(in subject: String, _ handler: @escaping @Sendable () -> Void) -> InterestWatch?

    /// Calls `handler` once, from any thread, when a client unsubscribes from a subject that
    /// matches the literal `subject` (others may still match); `nil` when the transport can not
    /// tell (the engine notices at its next look).
    func watchInterestLoss(in subject: String, _ handler: @escaping @Sendable () -> Void) -> InterestWatch?

    /// Forgets a watch that has not fired.
    func cancelInterestWatch(_ watch: InterestWatch)
}

/// A handle for ``JetStreamTransport/cancelInterestWatch(_:)``.
public struct InterestWatch: Sendable, Hashable {
    public let id: UInt64

    public init(id: UInt64) { self.id = id }
}

extension JetStreamTransport {
    public var interestCanLag: Bool { false }
    public func watchInterest(in subject: String, _ handler: @escaping @Sendable () -> Void) -> InterestWatch? { nil }
    public func watchInterestLoss(in subject: String, _ handler: @escaping @Sendable () -> Void) -> InterestWatch? { nil }
    public func cancelInterestWatch(_ watch: InterestWatch) {}
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
