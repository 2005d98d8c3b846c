import NATSWire
import Subjects

/// SUB and UNSUB (nats-server `server/client.go`: processSub, processUnsub).
extension ClientSession {
    func processSubscribe(_ op: SubscribeOp) {
        if transport.isTracing {
            let queue = op.queue.map { " " + String(buffer: $0) } ?? ""
            transport.trace("<<- [SUB \(String(buffer: op.subject))\(queue) \(String(buffer: op.sid))]")
        }
        let sid = String(buffer: op.sid)
        if subscriptions[sid] != nil {
            // nats-server keeps the existing subscription for a repeated sid.
            if options.verbose { sendOK() }
            return
        }
        let subject = String(buffer: op.subject)
        let isValidSubject = op.subject.withUnsafeReadableBytes { SubjectValidation.isValidSubject($0) }
        let isValidQueue = op.queue.map { $0.withUnsafeReadableBytes { SubjectValidation.isValidQueueName($0) } } ?? true
        guard isValidSubject && isValidQueue else {
            sendError("Invalid Subject")
            return
        }
        let queue = op.queue.map { String(buffer: $0) }
        if let permissions, !permissions.maySubscribe(subject: subject, queue: queue) {
            subscriptionViolation(subject: subject, queue: queue, sid: sid)
            return
        }
        if limits.maxSubscriptions > 0 && subscriptions.count >= limits.maxSubscriptions {
            logger.error("\(transport.logPrefix) - maximum subscriptions exceeded")
            sendError("maximum subscriptions exceeded")
            return
        }
        let subscription = Subscription(session: self, subject: subject, queue: queue, sid: Array(op.sid.readableBytesView))
        do {
            try account.insert(subscription)
        } catch {
            sendError("Invalid Subject")
            return
        }
        subscriptions[sid] = subscription
        host.interestChanged(subscription, account: account, isAdded: true)
        if options.verbose { sendOK() }
    }

    /// nats-server's answer to a refused SUB: an error, a log line, and the connection stays.
    private func subscriptionViolation(subject: String, queue: String?, sid: String) {
        let user = userLogName ?? "User \"\""
        if let queue {
            logger.error(
                "\(transport.logPrefix) - Subscription Violation - \(user), Subject \"\(subject)\", Queue: \"\(queue)\", SID \(sid)")
            sendError("Permissions Violation for Subscription to \"\(subject)\" using queue \"\(queue)\"")
        } else {
            logger.error("\(transport.logPrefix) - Subscription Violation - \(user), Subject \"\(subject)\", SID \(sid)")
            sendError("Permissions Violation for Subscription to \"\(subject)\"")
        }
    }

    func processUnsubscribe(_ op: UnsubscribeOp) {
        if transport.isTracing {
            let maximum = op.maxMessages.map { " \($0)" } ?? ""
            transport.trace("<<- [UNSUB \(String(buffer: op.sid))\(maximum)]")
        }
        let sid = String(buffer: op.sid)
        if let subscription = subscriptions[sid] {
            if let maximum = op.maxMessages, maximum > 0, maximum > subscription.delivered {
                subscription.maxMessages = maximum
            } else {
                unsubscribe(subscription)
            }
        }
        if options.verbose { sendOK() }
    }

    func unsubscribe(_ subscription: Subscription) {
        guard subscriptions.removeValue(forKey: subscription.sidString) != nil else { return }
        subscription.isClosed.store(true, ordering: .relaxed)
        account.remove(subscription)
        host.interestChanged(subscription, account: account, isAdded: false)
    }
}
