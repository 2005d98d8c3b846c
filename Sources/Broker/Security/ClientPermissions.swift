import NIOCore
import Subjects

/// One connection's permissions, compiled from its user's ``PermissionRules``, with the
/// per-connection state they need: a cache of publish verdicts and the reply subjects it may
/// answer (`allow_responses`). Used on the connection's event loop only.
///
/// The matching follows nats-server's `canSubscribe`, `pubAllowedFullCheck` and
/// `checkDenySub`: a subscription's own wildcards are literal tokens against the lists (so
/// `SUB foo.>` is not refused by a `deny: foo.secret`, but messages on `foo.secret` are then
/// not delivered to it).
final class ClientPermissions {
    private struct Rule {
        let subject: [UInt8]
        let queue: [UInt8]?
    }

    private let publishAllow: [[UInt8]]?
    private let publishDeny: [[UInt8]]?
    private let subscribeAllow: [Rule]?
    private let subscribeDeny: [Rule]?
    /// Plain subscribe-deny subjects, checked against each delivered message's subject.
    private let deliveryDeny: [[UInt8]]?
    let responses: ResponseAllowance?

    /// Publish verdicts by subject; emptied when it reaches ``publishCacheLimit`` (nats-server
    /// keeps 128 and prunes).
    private var publishVerdicts: [[UInt8]: Bool] = [:]
    static let publishCacheLimit = 128

    /// Reply subjects this connection received with requests: when, and how many answers sent.
    private var openReplies: [[UInt8]: (received: NIODeadline, answered: Int)] = [:]
    /// Past this many open replies, the expired ones are swept on the next record.
    static let openRepliesSweepThreshold = 1024

    init(_ configured: PermissionRules) {
        func subjects(_ list: [String]?) -> [[UInt8]]? { list.map { $0.map { Array($0.utf8) } } }
        func rules(_ list: [String]?) -> [Rule]? {
            list.map { entries in
                entries.map { entry in
                    let parts = entry.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                    let queue = parts.count > 1 ? Array(parts[1].trimmingSpaces.utf8) : nil
                    return Rule(subject: Array((parts.first ?? "").utf8), queue: queue)
                }
            }
        }
        publishAllow = subjects(configured.publishAllow)
        publishDeny = subjects(configured.publishDeny)
        subscribeAllow = rules(configured.subscribeAllow)
        subscribeDeny = rules(configured.subscribeDeny)
        let plainDenies = subscribeDeny?.filter { $0.queue == nil }.map(\.subject) ?? []
        deliveryDeny = plainDenies.isEmpty ? nil : plainDenies
        responses = configured.responses
    }

    // MARK: Publish

    /// Whether this connection may publish to `subject`: the allow and deny lists, else a reply
    /// to a request it received (`allow_responses`), which uses up one of that reply's answers.
    func mayPublish(_ subject: UnsafeRawBufferPointer) -> Bool {
        if publishAllow == nil && publishDeny == nil { return true }
        let key = Array(subject)
        let allowed: Bool
        if let cached = publishVerdicts[key] {
            allowed = cached
        } else {
            allowed = Self.listAllows(publishAllow, denies: publishDeny, subject)
            if publishVerdicts.count >= Self.publishCacheLimit { publishVerdicts.removeAll(keepingCapacity: true) }
            publishVerdicts[key] = allowed
        }
        if allowed { return true }
        return responses != nil && useReply(key)
    }

    private static func listAllows(_ allow: [[UInt8]]?, denies deny: [[UInt8]]?, _ subject: UnsafeRawBufferPointer) -> Bool {
        if let allow, !allow.contains(where: { matches($0, subject) }) { return false }
        if let deny, deny.contains(where: { matches($0, subject) }) { return false }
        return true
    }

    // MARK: Subscribe

    /// Whether this connection may subscribe to `subject` (with `queue`), nats-server's rules:
    /// an allow entry with a queue admits only that queue; a deny entry with a queue refuses
    /// only that queue.
    func maySubscribe(subject: String, queue: String?) -> Bool {
        let subjectBytes = Array(subject.utf8)
        let queueBytes = queue.map { Array($0.utf8) }
        return subjectBytes.withUnsafeBytes { subjectBuffer in
            if let allow = subscribeAllow {
                let matching = allow.filter { Self.matches($0.subject, subjectBuffer) }
                var allowed = matching.contains { $0.queue == nil }
                let queueEntries = matching.compactMap(\.queue)
                if let queueBytes, !queueEntries.isEmpty {
                    allowed = Self.queue(queueBytes, matchesAnyOf: queueEntries)
                }
                if !allowed { return false }
            }
            if let deny = subscribeDeny {
                let matching = deny.filter { Self.matches($0.subject, subjectBuffer) }
                var allowed = !matching.contains { $0.queue == nil }
                let queueEntries = matching.compactMap(\.queue)
                if let queueBytes, !queueEntries.isEmpty {
                    allowed = !Self.queue(queueBytes, matchesAnyOf: queueEntries)
                }
                if !allowed { return false }
            }
            return true
        }
    }

    private static func queue(_ queue: [UInt8], matchesAnyOf entries: [[UInt8]]) -> Bool {
        queue.withUnsafeBytes { queueBuffer in entries.contains { matches($0, queueBuffer) } }
    }

    // MARK: Delivery

    /// Whether a message on `subject` must not reach this connection, because a wildcard
    /// subscription covers a subject its subscribe-deny list names.
    @inline(__always)
    var checksDeliveries: Bool { deliveryDeny != nil }

    func deniesDelivery(of subject: UnsafeRawBufferPointer) -> Bool {
        guard let deliveryDeny else { return false }
        return deliveryDeny.contains { Self.matches($0, subject) }
    }

    // MARK: Responses

    /// Notes the reply subject of a request delivered to this connection.
    func recordReply(_ reply: UnsafeRawBufferPointer) {
        let now = NIODeadline.now()
        if openReplies.count >= Self.openRepliesSweepThreshold { sweepExpiredReplies(now: now) }
        openReplies[Array(reply)] = (now, 0)
    }

    private func useReply(_ subject: [UInt8]) -> Bool {
        guard let responses, var entry = openReplies[subject] else { return false }
        entry.answered += 1
        let tooMany = responses.maxMessages > 0 && entry.answered > responses.maxMessages
        let tooLate = responses.expires > .zero && NIODeadline.now() - entry.received > TimeAmount(responses.expires)
        if tooMany || tooLate {
            openReplies[subject] = nil
            return false
        }
        openReplies[subject] = entry
        return true
    }

    private func sweepExpiredReplies(now: NIODeadline) {
        guard let responses else { return }
        let limit = TimeAmount(responses.expires)
        openReplies = openReplies.filter { _, entry in
            let spent = responses.maxMessages > 0 && entry.answered >= responses.maxMessages
            let expired = responses.expires > .zero && now - entry.received > limit
            return !spent && !expired
        }
    }

    private static func matches(_ pattern: [UInt8], _ subject: UnsafeRawBufferPointer) -> Bool {
        pattern.withUnsafeBytes { SubjectPattern.matches(pattern: $0, subject: subject) }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
