/// The leafnode links one message goes to, collected while routing it: each link gets one
/// `LMSG` however many of its subscriptions matched, naming the queue groups that were given to
/// it (nats-server builds the same `+`/`|` queue list in `processMsgResults`).
struct LeafFanout {
    struct Target {
        var connection: ClientConnection
        /// One of the link's matching subscriptions (kept for cross-loop deliveries).
        var subscription: Subscription
        var queues: [String]
    }

    private(set) var targets: [Target] = []

    var isEmpty: Bool { targets.isEmpty }

    /// Adds `subscription`'s link, for its plain interest (`queue` nil) or for one queue group.
    mutating func add(_ subscription: Subscription, queue: String?) {
        guard let connection = subscription.connection else { return }
        if let index = targets.firstIndex(where: { $0.connection === connection }) {
            if let queue { targets[index].queues.append(queue) }
            return
        }
        targets.append(Target(connection: connection, subscription: subscription, queues: queue.map { [$0] } ?? []))
    }
}
