/// Interest: what the leafnode links hear of, and the server's own subscriptions.
extension Broker {
    /// A subscription came or went: each established leafnode link of that account decides, on
    /// its own loop, whether its peer must hear of it.
    package func interestChanged(_ subscription: Subscription, account: Account, isAdded: Bool) {
        guard establishedLinkCount.load(ordering: .acquiring) > 0 else { return }
        let links = registry.withLockedValue { registry in
            registry.establishedLinks.values.filter { $0.account === account }.map(\.link)
        }
        for link in links {
            link.transport.onLoop { link.localInterestChanged(subscription, isAdded: isAdded) }
        }
    }

    /// Subscribes a server-side handler in `account`.
    package func subscribeInternal(_ subscription: Subscription, account: Account? = nil) throws {
        let account = account ?? globalAccount
        try account.insert(subscription)
        interestChanged(subscription, account: account, isAdded: true)
    }

    package func unsubscribeInternal(_ subscription: Subscription, account: Account? = nil) {
        let account = account ?? globalAccount
        subscription.isClosed.store(true, ordering: .relaxed)
        if account.remove(subscription) { interestChanged(subscription, account: account, isAdded: false) }
    }

    /// `true` when a client (not the server itself) subscribes to something matching `subject`.
    package func hasClientInterest(_ subject: String, account: Account? = nil) -> Bool {
        let match = (account ?? globalAccount).match(subject)
        if match.plain.contains(where: { $0.isConsumerInterest }) { return true }
        return match.queueGroups.contains { $0.members.contains { $0.isConsumerInterest } }
    }
}
