/// The interest one leafnode link has announced to its peer, as nats-server keeps it (`smap`):
/// plain subjects are reference counted (`LS+` on 0 → 1, `LS-` on 1 → 0); a queue group's
/// weight (members behind this link) is re-sent on every change, `LS-` when it reaches 0.
///
/// Counting is by subscription identity, so applying the same addition or removal twice changes
/// nothing: the link takes a snapshot of the subject index when it comes up while changes made
/// meanwhile are still on their way to it, and both may name the same subscription.
package struct LeafInterestTable<Token: AnyObject> {
    package struct Key: Hashable, Sendable {
        package var subject: String
        package var queue: String?
    }

    /// One line to send to the peer.
    package enum Update: Equatable, Sendable {
        case subscribe(subject: String, queue: String?, weight: Int)
        case unsubscribe(subject: String, queue: String?)
    }

    private var counted: [ObjectIdentifier: (token: Token, key: Key)] = [:]
    private var counts: [Key: Int] = [:]

    package init() {}

    /// Distinct keys announced now.
    package var count: Int { counts.count }

    /// Counts `token` under `subject`/`queue`; the line to send, if the peer must hear of it.
    package mutating func add(_ token: Token, subject: String, queue: String?) -> Update? {
        let identity = ObjectIdentifier(token)
        guard counted[identity] == nil else { return nil }
        let key = Key(subject: subject, queue: queue)
        counted[identity] = (token, key)
        let newCount = counts[key, default: 0] + 1
        counts[key] = newCount
        if queue != nil || newCount == 1 {
            return .subscribe(subject: subject, queue: queue, weight: newCount)
        }
        return nil
    }

    /// Uncounts `token`; the line to send, if the peer must hear of it.
    package mutating func remove(_ token: Token) -> Update? {
        guard let (_, key) = counted.removeValue(forKey: ObjectIdentifier(token)) else { return nil }
        let newCount = counts[key, default: 1] - 1
        if newCount <= 0 {
            counts.removeValue(forKey: key)
            return .unsubscribe(subject: key.subject, queue: key.queue)
        }
        counts[key] = newCount
        return key.queue != nil ? .subscribe(subject: key.subject, queue: key.queue, weight: newCount) : nil
    }

    /// Uncounts every token whose subject and queue `isWithdrawn` says may no longer be
    /// announced (the hub's permissions changed); the lines to send.
    package mutating func withdraw(where isWithdrawn: (_ subject: String, _ queue: String?) -> Bool) -> [Update] {
        let tokens = counted.values.filter { isWithdrawn($0.key.subject, $0.key.queue) }.map(\.token)
        return tokens.compactMap { remove($0) }
    }

    /// Every key, as the `LS+` lines that announce the whole set (on connect).
    package var announcements: [Update] {
        counts.map { .subscribe(subject: $0.key.subject, queue: $0.key.queue, weight: $0.value) }
    }
}
