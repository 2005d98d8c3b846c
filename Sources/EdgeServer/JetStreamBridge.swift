import Broker
import JetStream

/// Connects the JetStream engine to the broker: its subscriptions become internal subscriptions
/// of the account, its publishes are routed as the server's.
package final class JetStreamBridge: JetStreamTransport, @unchecked Sendable {
    private let broker: Broker
    private let account: Account
    /// Set once, before the engine starts (the engine needs the bridge to be created).
    package var engine: JetStreamEngine?

    package init(broker: Broker, account: Account? = nil) {
        self.broker = broker
        self.account = account ?? broker.globalAccount
    }

    package func subscribe(subject: String, queue: String?, target: JetStreamTarget) throws -> JetStreamSubscription {
        let isLink: Bool
        if case .sourceLink = target { isLink = true } else { isLink = false }
        let subscription = Subscription(internalSubject: subject, queue: queue, isConsumerInterest: isLink) { [weak self] message in
            self?.engine?.receive(
                JetStreamMessage(
                    target: target, subject: message.subject, reply: message.reply, headers: message.headers, payload: message.payload)
            )
        }
        try broker.subscribeInternal(subscription, account: account)
        return JetStreamSubscription(subject: subject, token: subscription)
    }

    package func unsubscribe(_ subscription: JetStreamSubscription) {
        guard let serverSubscription = subscription.token as? Subscription else { return }
        broker.unsubscribeInternal(serverSubscription, account: account)
    }

    /// Replies (PubAcks, API answers, statuses) go to inboxes used once: not worth caching.
    package func publish(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8]) {
        broker.publishInternal(
            destination: subject, subject: subject, reply: reply, headers: headers, payload: payload, account: account, isOneOff: true)
    }

    package func deliver(to destination: String, subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8]) {
        broker.publishInternal(
            destination: destination, subject: subject, reply: reply, headers: headers, payload: payload, account: account)
    }

    package func hasInterest(subject: String) -> Bool {
        broker.hasClientInterest(subject, account: account)
    }

    package var interestCanLag: Bool {
        broker.hasLeafConnections(in: account)
    }

    package func watchInterest(in subject: String, _ handler: @escaping @Sendable () -> Void) -> InterestWatch? {
        InterestWatch(id: account.watchInterest(in: subject, handler))
    }

    package func watchInterestLoss(in subject: String, _ handler: @escaping @Sendable () -> Void) -> InterestWatch? {
        InterestWatch(id: account.watchInterestLoss(in: subject, handler))
    }

    package func cancelInterestWatch(_ watch: InterestWatch) {
        account.cancelInterestWatch(watch.id)
    }
}
