import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Acknowledgements (`$JS.ACK.<stream>.<consumer>.<deliveries>.<sseq>.<cseq>.<ts>.<pending>`)
/// and the ack-wait timer that redelivers what is not acknowledged in time.
extension Consumer {
    enum AckKind {
        case ack
        case nak(delay: Int64)
        case progress
        case term
        case next(NextRequest?)
    }

    /// Reads an ack payload: empty or `+ACK`, `-NAK` (optionally `{"delay":ns}`), `+WPI`,
    /// `+TERM`, `+NXT` (optionally a pull request).
    static func parseAck(_ payload: [UInt8]) -> AckKind {
        let text = String(decoding: payload, as: UTF8.self)
        if text.isEmpty || text.hasPrefix("+ACK") { return .ack }
        if text.hasPrefix("-NAK") {
            let rest = text.dropFirst(4).trimmingPrefixSpaces()
            if rest.hasPrefix("{"), let data = rest.data(using: .utf8),
                let body = try? JSONDecoder().decode(NakBody.self, from: data)
            {
                return .nak(delay: body.delay ?? 0)
            }
            return .nak(delay: 0)
        }
        if text.hasPrefix("+WPI") { return .progress }
        if text.hasPrefix("+TERM") { return .term }
        if text.hasPrefix("+NXT") {
            let rest = Array(text.dropFirst(4).trimmingPrefixSpaces().utf8)
            return .next(NextRequest.parse(rest))
        }
        return .ack
    }

    private struct NakBody: Decodable {
        var delay: Int64?
    }

    /// Applies an acknowledgement for the delivery of stream sequence `sequence`.
    /// Returns the stream sequences now fully acknowledged (for retention).
    func acknowledge(sequence: UInt64, kind: AckKind, reply: String?) -> [UInt64] {
        var acknowledged: [UInt64] = []
        let now = engine.now()
        lastActive = JetStreamTime(nanoseconds: now)
        switch kind {
        case .ack, .next:
            if configuration.ackPolicy == .all {
                for (pendingSequence, _) in pending where pendingSequence <= sequence {
                    pending[pendingSequence] = nil
                    acknowledged.append(pendingSequence)
                }
            } else if pending.removeValue(forKey: sequence) != nil {
                acknowledged.append(sequence)
            }
            redeliveries.removeAll { acknowledged.contains($0.sequence) }
        case .term:
            if pending.removeValue(forKey: sequence) != nil { acknowledged.append(sequence) }
            redeliveries.removeAll { $0.sequence == sequence }
        case .nak(let delay):
            if pending[sequence] != nil && !redeliveries.contains(where: { $0.sequence == sequence }) {
                redeliveries.append((sequence, now + max(0, delay)))
            }
        case .progress:
            if var entry = pending[sequence] {
                entry.timestamp = now
                pending[sequence] = entry
                armAckTimer()
            }
        }
        if !acknowledged.isEmpty {
            updateAckFloor()
            isDirty = true
        }
        if case .next(let request) = kind, let reply {
            addPullRequest(request ?? NextRequest(), reply: reply)
        }
        return acknowledged
    }

    /// The wait before a delivery counts as lost: `backoff[deliveries-1]` or `ack_wait`.
    func ackWait(forDeliveries deliveries: Int) -> Int64 {
        if let backoff = configuration.backoff, !backoff.isEmpty {
            return backoff[min(deliveries - 1, backoff.count - 1)]
        }
        return configuration.ackWait > 0 ? configuration.ackWait : ConsumerConfiguration.defaultAckWait
    }

    /// Keeps one timer, set for the earliest ack deadline among pending messages.
    /// - Parameter earliest: a deadline known to be the earliest that matters (a new delivery's),
    ///   which spares the scan of every pending message; a running timer that fires sooner wins.
    func armAckTimer(earliest known: Int64? = nil) {
        guard configuration.ackPolicy != .none, !pending.isEmpty, !isDeleted else { return }
        if known != nil && ackTimer != nil { return }
        let now = engine.now()
        let earliest = known ?? pending.values.map { $0.timestamp + ackWait(forDeliveries: $0.deliveries) }.min() ?? now
        let deadline = engine.eventLoop.now + .nanoseconds(max(0, earliest - now))
        if let current = ackTimerDeadline, current <= deadline, ackTimer != nil { return }
        ackTimer?.cancel()
        ackTimerDeadline = deadline
        ackTimer = engine.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.ackTimer = nil
            self.ackTimerDeadline = nil
            self.ackWaitExpired()
        }
    }

    /// Messages whose ack wait ran out go back for redelivery (or stop at max_deliver).
    private func ackWaitExpired() {
        guard !isDeleted else { return }
        let now = engine.now()
        var expired: [UInt64] = []
        for (sequence, entry) in pending where entry.timestamp + ackWait(forDeliveries: entry.deliveries) <= now {
            expired.append(sequence)
        }
        for sequence in expired.sorted() {
            guard let entry = pending[sequence] else { continue }
            if configuration.maxDeliver > 0 && entry.deliveries >= configuration.maxDeliver {
                // Delivered as often as allowed: nats-server stops tracking it (it no longer
                // counts as pending) and never redelivers it.
                pending[sequence] = nil
                updateAckFloor()
                continue
            }
            if !redeliveries.contains(where: { $0.sequence == sequence }) {
                redeliveries.append((sequence, now))
            }
            // Not redelivered twice for the same expiry while it waits its turn.
            var waiting = entry
            waiting.timestamp = now
            pending[sequence] = waiting
        }
        redeliveries.sort { $0.sequence < $1.sequence }
        isDirty = true
        armAckTimer()
        engine.scheduleDelivery(for: self)
    }
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> Substring {
        var view = self
        while let first = view.first, first == " " { view.removeFirst() }
        return view
    }
}
