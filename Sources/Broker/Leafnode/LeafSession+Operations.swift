import Leafnode
import NATSWire
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a leafnode peer sends: the handshake (INFO, CONNECT), interest (`LS+`/`LS-`), messages
/// (`LMSG`), PING/PONG, `-ERR`.
extension LeafSession {
    /// Handles one operation from the peer. Returns `false` once the connection is closed or
    /// reading is paused.
    package func handle(_ operation: ProtocolOp) -> Bool {
        transport.eventLoop.assertInEventLoop()
        switch operation {
        case .info(let json):
            run(link.infoReceived(try? JSONDecoder().decode(LeafInfoMessage.self, from: Data(json.readableBytesView))))
        case .connect(let json):
            run(link.connectReceived(try? JSONDecoder().decode(LeafConnectMessage.self, from: Data(json.readableBytesView))))
        case .leafSubscribe(let interest):
            guard link.isEstablished else {
                run(link.operationBeforeHandshake("LS+"))
                break
            }
            let subject = String(buffer: interest.subject)
            let queue = interest.queue.map { String(buffer: $0) }
            if transport.isTracing { transport.trace("<<- [LS+ \(subject)\(queue.map { " \($0) \(interest.weight)" } ?? "")]") }
            run(link.peerInterestReceived(subject: subject, queue: queue, account: account.name))
        case .leafUnsubscribe(let interest):
            guard link.isEstablished else {
                run(link.operationBeforeHandshake("LS-"))
                break
            }
            let subject = String(buffer: interest.subject)
            let queue = interest.queue.map { String(buffer: $0) }
            if transport.isTracing { transport.trace("<<- [LS- \(subject)\(queue.map { " \($0)" } ?? "")]") }
            if let subscription = subscriptions[Self.interestKey(subject, queue)] { removePeerInterest(subscription) }
        case .leafMessage(let message):
            guard link.isEstablished else {
                run(link.operationBeforeHandshake("LMSG"))
                break
            }
            processMessage(message)
        case .ping:
            transport.answerPing()
        case .pong:
            transport.pongReceived()
            run(link.pongReceived())
        case .error(let text):
            run(link.errorReceived(String(buffer: text)))
        case .ok:
            break
        case .publish, .subscribe, .unsubscribe, .message:
            // Not in the leafnode dialect: the parser does not return these for a leaf link.
            break
        }
        return !transport.isClosed && !transport.isReadingPaused
    }

    package func parseFailed(_ error: ProtocolError) {
        transport.closeForProtocolError(error)
    }

    static func interestKey(_ subject: String, _ queue: String?) -> String {
        queue.map { "\(subject) \($0)" } ?? subject
    }

    // MARK: - The peer's interest

    /// Takes an `LS+` the state machine let through. A queue's weight only says that members
    /// exist (it does not bias the choice in 2.9): one subscription per group stands for them.
    func takePeerInterest(subject: String, queue: String?) {
        let key = Self.interestKey(subject, queue)
        guard subscriptions[key] == nil else { return }
        let subscription = Subscription(link: self, subject: subject, queue: queue, key: Array(key.utf8))
        do {
            try account.insert(subscription)
        } catch {
            logger.error("\(transport.logPrefix) - Leafnode interest \(subject) not taken: \(error)")
            return
        }
        subscriptions[key] = subscription
        host.interestChanged(subscription, account: account, isAdded: true)
    }

    private func removePeerInterest(_ subscription: Subscription) {
        guard subscriptions.removeValue(forKey: subscription.sidString) != nil else { return }
        subscription.isClosed.store(true, ordering: .relaxed)
        account.remove(subscription)
        host.interestChanged(subscription, account: account, isAdded: false)
    }

    // MARK: - Our interest

    /// How this link sees a subscription of its account.
    func origin(of subscription: Subscription) -> LeafLinkStateMachine<Subscription>.InterestOrigin {
        if subscription.isClosed.load(ordering: .relaxed) || !subscription.isAnnounced { return .unannounced }
        guard let owner = subscription.link else { return .local }
        if owner === self { return .thisLink }
        return owner.isSolicitedLink ? .hub : .local
    }

    /// A subscription came or went in our account (called on our loop).
    func localInterestChanged(_ subscription: Subscription, isAdded: Bool) {
        transport.eventLoop.assertInEventLoop()
        guard !transport.isClosed else { return }
        run(
            link.localInterestChanged(
                subscription, subject: subscription.subject, queue: subscription.queue, origin: origin(of: subscription), isAdded: isAdded))
    }

    func write(_ update: LeafInterestTable<Subscription>.Update) {
        switch update {
        case .subscribe(let subject, let queue, let weight):
            if transport.isTracing { transport.trace("->> [LS+ \(subject)\(queue.map { " \($0) \(weight)" } ?? "")]") }
            transport.outbound.writeLeafSubscribe(subject: subject, queue: queue, weight: weight)
        case .unsubscribe(let subject, let queue):
            if transport.isTracing { transport.trace("->> [LS- \(subject)\(queue.map { " \($0)" } ?? "")]") }
            transport.outbound.writeLeafUnsubscribe(subject: subject, queue: queue)
        }
    }
}
