import Foundation
import Logging
import NIOCore
import NIOEmbedded

@testable import JetStream

/// A transport that records what the engine publishes and routes it back to the engine when
/// the engine itself subscribes (acks, API) — the engine without a broker.
final class RecordingTransport: JetStreamTransport, @unchecked Sendable {
    struct Published: Sendable {
        var destination: String
        var subject: String
        var reply: String?
        var headers: [UInt8]?
        var payload: [UInt8]

        var text: String { String(decoding: payload, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] ?? [:] }
        var status: Int? { headers.flatMap { NATSHeaders(parsing: $0) }?.status }
    }

    private(set) var subscriptions: [(subject: String, target: JetStreamTarget, subscription: JetStreamSubscription)] = []
    var published: [Published] = []
    /// Subjects a pretend client subscribes to (push consumers deliver only with interest).
    var interest: Set<String> = []

    func subscribe(subject: String, queue: String?, target: JetStreamTarget) throws -> JetStreamSubscription {
        let subscription = JetStreamSubscription(subject: subject, token: NSObject())
        subscriptions.append((subject, target, subscription))
        return subscription
    }

    func unsubscribe(_ subscription: JetStreamSubscription) {
        subscriptions.removeAll { $0.subscription === subscription }
    }

    func publish(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8]) {
        published.append(Published(destination: subject, subject: subject, reply: reply, headers: headers, payload: payload))
    }

    func deliver(to destination: String, subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8]) {
        published.append(Published(destination: destination, subject: subject, reply: reply, headers: headers, payload: payload))
    }

    /// Pull requests' `_INBOX.` replies have a listener unless a test says otherwise.
    var inboxesHaveInterest = true

    func hasInterest(subject: String) -> Bool {
        interest.contains(subject) || (inboxesHaveInterest && subject.hasPrefix("_INBOX."))
    }

    /// The engine's target for a published subject, as the broker would find it.
    func target(for subject: String) -> JetStreamTarget? {
        subscriptions.first { Self.matches($0.subject, subject) }?.target
    }

    static func matches(_ pattern: String, _ subject: String) -> Bool {
        let p = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let s = subject.split(separator: ".", omittingEmptySubsequences: false)
        var index = 0
        while index < p.count {
            if p[index] == ">" { return s.count > index }
            if index >= s.count { return false }
            if p[index] != "*" && p[index] != s[index] { return false }
            index += 1
        }
        return index == s.count
    }

    func take() -> [Published] {
        defer { published.removeAll() }
        return published
    }
}

/// An engine on an embedded loop with memory storage for both kinds of stream.
final class EngineHarness {
    let loop = EmbeddedEventLoop()
    let transport = RecordingTransport()
    let engine: JetStreamEngine
    private var inboxCounter = 0

    init(domain: String? = nil, fileStorage: (any StorageEngine)? = nil) throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        engine = JetStreamEngine(
            configuration: .init(serverName: "test-server", domain: domain),
            eventLoop: loop,
            transport: transport,
            fileStorage: fileStorage ?? MemoryStorageEngine(),
            memoryStorage: MemoryStorageEngine(),
            logger: logger
        )
        _ = engine.start()
        loop.run()
    }

    /// Publishes like a client: to whatever engine subscription matches, with an inbox reply.
    @discardableResult
    func publish(_ subject: String, _ payload: String = "", headers: [(String, String)] = [], reply: String? = nil) -> String? {
        guard let target = transport.target(for: subject) else { return nil }
        var headerBlock: [UInt8]?
        if !headers.isEmpty {
            var block = NATSHeaders()
            for (key, value) in headers { block.append(key, value) }
            headerBlock = block.encoded
        }
        inboxCounter += 1
        let inbox = reply ?? "_INBOX.test.\(inboxCounter)"
        engine.receive(JetStreamMessage(target: target, subject: subject, reply: inbox, headers: headerBlock, payload: Array(payload.utf8)))
        loop.run()
        return inbox
    }

    /// An API request; returns the JSON reply.
    func request(_ subject: String, _ body: String = "") -> [String: Any] {
        let inbox = publish(subject, body)
        guard let index = transport.published.firstIndex(where: { $0.destination == inbox }) else { return [:] }
        return transport.published.remove(at: index).json
    }

    /// Advances time on the embedded loop (timers: ack wait, expiry, heartbeats).
    func advance(_ amount: TimeAmount) {
        loop.advanceTime(by: amount)
        loop.run()
    }
}
