import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One `mirror` or one entry of `sources` of a stream: a push consumer on the origin stream
/// (here, or in another domain through `external.api`, across a leafnode link), whose
/// messages are stored here (nats-server `setSourceConsumer`, `processInboundSourceMsg`).
///
/// The consumer is ephemeral, ack none, with flow control and a one-second heartbeat, delivering
/// from the sequence after the last one stored here. The position survives restarts without a
/// file of its own: a mirror keeps the origin's sequence numbers (a gap is skipped, as in
/// nats-server), and a sourced message carries `Nats-Stream-Source: <name> <sequence>`, which is
/// looked up backwards on start. A link that stays silent for three heartbeats, misses a
/// delivery, or gets an error asks for a new consumer from its position (every 2 s at first,
/// backing off to 10 s while the origin is out of reach). Engine thread only.
final class StreamSourceLink {
    enum State: Equatable {
        /// Waiting until the deadline to ask for a consumer.
        case waiting(until: NIODeadline)
        /// Asked; the answer has not come.
        case creating(since: NIODeadline)
        /// Messages and heartbeats flow.
        case active
    }

    unowned let engine: JetStreamEngine
    unowned let stream: Stream
    let source: StreamSource
    let isMirror: Bool
    /// The name `Nats-Stream-Source` uses: the stream's, with a hash of the API prefix when it
    /// is external (the same stream name may exist in two domains).
    let indexName: String
    /// Engine-wide key of this link (the transport target).
    let id: String

    var state: State
    /// The last origin sequence stored here.
    var originSequence: UInt64 = 0
    /// The consumer's delivery sequence of the last message taken (gaps mean losses).
    var deliverySequence: UInt64 = 0
    var lag: UInt64 = 0
    /// Engine time of the last message, heartbeat or answer; 0 = never.
    var lastContact: Int64 = 0
    var error: JetStreamAPIError?
    private var failures = 0
    private var attempt = 0
    private var deliverSubject = ""
    /// The origin's name for the current consumer (from its answer).
    private var consumerName: String?
    private var replySubject = ""
    private var subscriptions: [JetStreamSubscription] = []

    static let heartbeat: Int64 = 1_000_000_000
    static let answerTimeout: TimeAmount = .seconds(5)

    init(engine: JetStreamEngine, stream: Stream, source: StreamSource, isMirror: Bool, id: String) {
        self.engine = engine
        self.stream = stream
        self.source = source
        self.isMirror = isMirror
        self.id = id
        // Two sources of one stream with different filters keep separate positions.
        var name = source.name
        if let api = source.external?.apiPrefix, !api.isEmpty { name += ":\(Self.hash(api))" }
        if let filter = source.filterSubject, !filter.isEmpty { name += ":\(Self.hash(filter))" }
        indexName = name
        state = .waiting(until: engine.eventLoop.now)
    }

    var apiPrefix: String {
        guard let api = source.external?.apiPrefix, !api.isEmpty else { return "$JS.API" }
        return api.hasSuffix(".") ? String(api.dropLast()) : api
    }

    // MARK: Position

    /// Where a restarted link resumes: a mirror's last sequence, or the last sourced message's
    /// `Nats-Stream-Source` found scanning back from the end.
    func recoverPosition() {
        if isMirror {
            originSequence = stream.messageCount > 0 || stream.lastSequence > 0 ? stream.lastSequence : 0
            return
        }
        guard stream.messageCount > 0 else { return }
        var sequence = stream.lastSequence
        while sequence >= stream.firstSequence && sequence > 0 {
            if let message = try? stream.store.message(sequence: sequence), let headers = message.headers,
                let value = NATSHeaders.value(of: JetStreamHeader.streamSource, in: headers)
            {
                let fields = value.split(separator: " ")
                if fields.count >= 2, fields[0] == indexName, let origin = UInt64(fields[1]) {
                    originSequence = origin
                    return
                }
            }
            sequence -= 1
        }
    }

    // MARK: Consumer

    /// Asks the origin for a new consumer from `originSequence + 1`, on a new deliver subject
    /// (what the old one still sends is no longer listened to).
    func requestConsumer() {
        stop()
        attempt += 1
        let token = "\(id).\(attempt)"
        if let prefix = source.external?.deliverPrefix, !prefix.isEmpty {
            deliverSubject = "\(prefix).\(isMirror ? "M" : "S").\(token)"
        } else {
            deliverSubject = "$JS.\(isMirror ? "M" : "S").\(token)"
        }
        replySubject = "$JS.SYNC.\(token)"
        deliverySequence = 0
        consumerName = nil
        do {
            subscriptions.append(try engine.transport.subscribe(subject: deliverSubject, queue: nil, target: .sourceLink(id)))
            subscriptions.append(try engine.transport.subscribe(subject: replySubject, queue: nil, target: .sourceLink(id)))
        } catch {
            self.error = setupFailed("\(error)")
            retryLater()
            return
        }
        // The consumer nats-server asks for when sourcing (written by hand: FoundationEssentials
        // has no JSONSerialization, and the fields are few and plain).
        var config =
            "{\"deliver_subject\":\(JetStreamAPIError.goQuoted(deliverSubject)),\"ack_policy\":\"none\",\"ack_wait\":\(Int64(22 * 3600) * 1_000_000_000)"
        config += ",\"max_deliver\":1,\"idle_heartbeat\":\(Self.heartbeat),\"flow_control\":true,\"direct\":true"
        if originSequence > 0 {
            config += ",\"deliver_policy\":\"by_start_sequence\",\"opt_start_seq\":\(originSequence + 1)"
        } else if let start = source.optionalStartSequence, start > 0 {
            config += ",\"deliver_policy\":\"by_start_sequence\",\"opt_start_seq\":\(start)"
        } else if let time = source.optionalStartTime {
            config += ",\"deliver_policy\":\"by_start_time\",\"opt_start_time\":\(JetStreamAPIError.goQuoted(time.text))"
        } else {
            config += ",\"deliver_policy\":\"all\""
        }
        if let filter = source.filterSubject, !filter.isEmpty { config += ",\"filter_subject\":\(JetStreamAPIError.goQuoted(filter))" }
        config += "}"
        let payload = Array("{\"stream_name\":\(JetStreamAPIError.goQuoted(source.name)),\"config\":\(config)}".utf8)
        state = .creating(since: engine.eventLoop.now)
        engine.transport.publish(
            subject: "\(apiPrefix).CONSUMER.CREATE.\(source.name)", reply: replySubject, headers: nil, payload: payload)
    }

    /// Stops listening (stream deleted or changed, engine stopping, or before a new consumer).
    func stop() {
        for subscription in subscriptions { engine.transport.unsubscribe(subscription) }
        subscriptions.removeAll()
    }

    private func retryLater() {
        stop()
        failures += 1
        let delay = TimeAmount.seconds(Int64(min(10, 2 * failures)))
        state = .waiting(until: engine.eventLoop.now + delay)
    }

    /// Once a second, from the engine's housekeeping.
    func tick(now: Int64) {
        switch state {
        case .waiting(let until):
            if engine.eventLoop.now >= until { requestConsumer() }
        case .creating(let since):
            if engine.eventLoop.now - since >= Self.answerTimeout {
                if error == nil { error = setupFailed("no answer from \(apiPrefix)") }
                retryLater()
            }
        case .active:
            if now - lastContact > 3 * Self.heartbeat {
                engine.logger.warning(
                    "JetStream: \(isMirror ? "mirror" : "source") '\(indexName)' of stream '\(stream.name)' is silent; asking again from sequence \(originSequence + 1)"
                )
                requestConsumer()
            }
        }
    }

    // MARK: Incoming

    /// A message for this link: the answer to the create request, or a delivery (message,
    /// heartbeat, flow control). A message is stored in the stream within the engine's batch.
    func handle(_ message: JetStreamMessage, now: Int64) {
        if message.subject == replySubject {
            handleAnswer(message.payload, now: now)
            return
        }
        // A delivery shows the origin's subject, not our deliver subject; what is not the
        // answer is a delivery of the current consumer (older ones were unsubscribed; one still
        // in flight is told apart by its consumer name). The origin may deliver before its
        // answer arrives: deliveries are taken while the request is open too.
        if case .waiting = state { return }
        if message.payload.isEmpty, let headers = message.headers, headers.starts(with: Array("NATS/1.0 100".utf8)) {
            lastContact = now
            if let reply = message.reply, !reply.isEmpty {
                engine.transport.publish(subject: reply, reply: nil, headers: nil, payload: [])  // flow control
                return
            }
            if let text = NATSHeaders.value(of: JetStreamHeader.lastConsumer, in: headers), let last = UInt64(text), last > 0,
                last != deliverySequence
            {
                engine.logger.warning(
                    "JetStream: \(isMirror ? "mirror" : "source") '\(indexName)' of stream '\(stream.name)' missed messages; asking again from sequence \(originSequence + 1)"
                )
                requestConsumer()
            } else if let stalled = NATSHeaders.value(of: JetStreamHeader.consumerStalled, in: headers), !stalled.isEmpty {
                engine.transport.publish(subject: stalled, reply: nil, headers: nil, payload: [])
            }
            return
        }
        guard let reply = message.reply, let info = Self.deliveryInfo(reply) else { return }
        if let consumerName, info.consumer != consumerName { return }
        if consumerName == nil { consumerName = String(info.consumer) }
        lastContact = now
        if info.deliveries > 1 { return }
        if info.deliverySequence != deliverySequence + 1 {
            if info.deliverySequence > deliverySequence {
                // A gap (including a new consumer whose first delivery is not its first
                // message): ask again from the last one stored.
                requestConsumer()
            }
            return  // or an old, repeated delivery
        }
        deliverySequence = info.deliverySequence
        lag = info.pending == 0 ? 0 : info.pending - 1
        if info.streamSequence <= originSequence { return }
        do {
            let outcome = try stream.storeSourced(
                message, originSequence: info.streamSequence, originTimestamp: info.timestamp, link: self, now: now)
            if case .failed(let failure) = outcome {
                error = failure
                engine.logger.warning("JetStream: storing from '\(indexName)' into '\(stream.name)' failed: \(failure.description)")
                return
            }
            originSequence = info.streamSequence
            engine.touchedStreams.insert(stream.name)
        } catch {
            self.error = .streamStoreFailed(error.message)
            engine.logger.error("JetStream: storing from '\(indexName)' into '\(stream.name)' failed: \(error)")
        }
    }

    private func handleAnswer(_ payload: [UInt8], now: Int64) {
        guard case .creating = state else { return }
        struct Answer: Decodable {
            struct Failure: Decodable {
                var code: Int
                var errCode: Int?
                var description: String?
                enum CodingKeys: String, CodingKey {
                    case code, description
                    case errCode = "err_code"
                }
            }
            var name: String?
            var error: Failure?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(payload)) else {
            error = setupFailed("unreadable answer from \(apiPrefix)")
            retryLater()
            return
        }
        if let failure = answer.error {
            error = setupFailed(failure.description ?? "error \(failure.errCode ?? failure.code)")
            engine.logger.warning(
                "JetStream: \(isMirror ? "mirror" : "source") '\(indexName)' of stream '\(stream.name)': \(failure.description ?? "error")")
            retryLater()
            return
        }
        if let name = answer.name, let seen = consumerName, name != seen {
            requestConsumer()  // deliveries of another consumer came first: start clean
            return
        }
        error = nil
        failures = 0
        lastContact = now
        consumerName = answer.name ?? consumerName
        state = .active
        engine.logger.info(
            "JetStream: \(isMirror ? "mirror" : "source") '\(indexName)' of stream '\(stream.name)' follows from sequence \(originSequence + 1)"
        )
    }

    /// `$JS.ACK.<stream>.<consumer>.<deliveries>.<sseq>.<dseq>.<ts>.<pending>` (newer servers
    /// put a domain and an account hash first): read from the end.
    static func deliveryInfo(
        _ reply: String
    ) -> (consumer: Substring, deliveries: UInt64, streamSequence: UInt64, deliverySequence: UInt64, timestamp: Int64, pending: UInt64)? {
        let tokens = reply.split(separator: ".", omittingEmptySubsequences: false)
        guard tokens.count >= 9, tokens[0] == "$JS", tokens[1] == "ACK" else { return nil }
        let tail = tokens.suffix(5).map { UInt64($0) }
        guard let deliveries = tail[0], let streamSequence = tail[1], let deliverySequence = tail[2],
            let timestamp = tail[3], let pending = tail[4]
        else { return nil }
        return (tokens[tokens.count - 6], deliveries, streamSequence, deliverySequence, Int64(timestamp), pending)
    }

    /// `name` and `external` and how the link fares, for STREAM.INFO.
    func info(now: Int64) -> StreamSourceInfo {
        StreamSourceInfo(
            name: source.name, external: source.external, lag: lag,
            active: lastContact == 0 ? -1 : now - lastContact, error: error)
    }

    private func setupFailed(_ text: String) -> JetStreamAPIError {
        isMirror ? .mirrorConsumerSetupFailed(text) : .sourceConsumerSetupFailed(text)
    }

    /// FNV-1a, in base 36: short and stable across runs.
    private static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        return String(value, radix: 36)
    }
}
