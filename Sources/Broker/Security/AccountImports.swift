import NIOConcurrencyHelpers
import NIOCore
import Subjects

/// An account other than `$G`, with what it imports (`accounts { NAME: { ... } }`).
package struct AccountDefinition: Sendable, Equatable {
    package var name: String
    package var imports: [ImportDefinition] = []

    package init(name: String) {
        self.name = name
    }
}

/// One import: a stream (the exporter's messages on `subject` appear here, on `to` or under
/// `prefix`) or a service (requests on `to`, or `subject`, here go to the exporter's `subject`;
/// the answers come back).
package struct ImportDefinition: Sendable, Equatable {
    package var exporter: String
    package var subject: String
    package var isService: Bool
    package var to: String?
    package var prefix: String?

    package init(exporter: String, subject: String, isService: Bool, to: String? = nil, prefix: String? = nil) {
        self.exporter = exporter
        self.subject = subject
        self.isService = isService
        self.to = to
        self.prefix = prefix
    }
}

/// Carries imported streams and service requests between accounts with internal subscriptions,
/// as nats-server's account imports do. A service request gets a reply subject in the
/// exporter's account (`_R_.<token>`) that maps back to the requester's own; the mapping is kept
/// until the first answer or two minutes, whichever comes first (nats-server's default
/// response threshold).
final class AccountImports: Sendable {
    private struct PendingResponse {
        var account: Account
        var reply: String
        var expires: NIODeadline
    }

    private let responses = NIOLockedValueBox<[String: PendingResponse]>([:])
    private let counter = NIOLockedValueBox<UInt64>(0)
    static let responseThreshold: TimeAmount = .minutes(2)

    /// Subscribes what every import needs. Called once, when the broker starts.
    func wire(_ definitions: [AccountDefinition], accounts: [String: Account], broker: Broker) {
        var responseAccounts: Set<String> = []
        for definition in definitions {
            guard let importer = accounts[definition.name] else { continue }
            for item in definition.imports {
                guard let exporter = accounts[item.exporter] else { continue }
                if item.isService {
                    wireService(item, importer: importer, exporter: exporter, broker: broker)
                    if responseAccounts.insert(exporter.name).inserted { wireResponses(in: exporter, broker: broker) }
                } else {
                    wireStream(item, importer: importer, exporter: exporter, broker: broker)
                }
            }
        }
    }

    private func wireStream(_ item: ImportDefinition, importer: Account, exporter: Account, broker: Broker) {
        let subscription = Subscription(internalSubject: item.subject) { [weak broker] message in
            guard let broker else { return }
            let subject = Self.mapped(message.subject, from: item.subject, to: item.to, prefix: item.prefix)
            broker.publishInternal(
                destination: subject, subject: subject, reply: message.reply, headers: message.headers, payload: message.payload,
                account: importer)
        }
        try? broker.subscribeInternal(subscription, account: exporter)
    }

    private func wireService(_ item: ImportDefinition, importer: Account, exporter: Account, broker: Broker) {
        let local = item.to ?? item.subject
        let subscription = Subscription(internalSubject: local) { [weak broker, weak self] message in
            guard let broker, let self else { return }
            let subject = Self.mapped(message.subject, from: local, to: item.subject, prefix: nil)
            var reply: String?
            if let original = message.reply {
                let token = self.counter.withLockedValue { value -> UInt64 in
                    value &+= 1
                    return value
                }
                let mapped = "_R_.\(String(token, radix: 36)).\(ServerNonce.make(length: 6))"
                self.responses.withLockedValue { pending in
                    if pending.count > 10_000 {
                        let now = NIODeadline.now()
                        pending = pending.filter { $0.value.expires > now }
                    }
                    pending[mapped] = PendingResponse(account: importer, reply: original, expires: .now() + Self.responseThreshold)
                }
                reply = mapped
            }
            broker.publishInternal(
                destination: subject, subject: subject, reply: reply, headers: message.headers, payload: message.payload, account: exporter,
                isOneOff: true)
        }
        try? broker.subscribeInternal(subscription, account: importer)
    }

    /// Answers to mapped replies, sent back to the requester's account.
    private func wireResponses(in exporter: Account, broker: Broker) {
        let subscription = Subscription(internalSubject: "_R_.>") { [weak broker, weak self] message in
            guard let broker, let self else { return }
            guard let pending = self.responses.withLockedValue({ $0.removeValue(forKey: message.subject) }), pending.expires > .now() else {
                return
            }
            broker.publishInternal(
                destination: pending.reply, subject: pending.reply, reply: nil, headers: message.headers, payload: message.payload,
                account: pending.account, isOneOff: true)
        }
        try? broker.subscribeInternal(subscription, account: exporter)
    }

    /// `subject`, received on `pattern`, as it appears after the import: `to` replaces the
    /// literal tokens (wildcard tokens keep their values, as nats-server maps them), or
    /// `prefix` goes in front.
    static func mapped(_ subject: String, from pattern: String, to: String?, prefix: String?) -> String {
        if let prefix, !prefix.isEmpty { return prefix.hasSuffix(".") ? prefix + subject : prefix + "." + subject }
        guard let to, to != pattern else { return subject }
        let subjectTokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        let patternTokens = pattern.split(separator: ".", omittingEmptySubsequences: false)
        // The values of the pattern's wildcards, in order; `>` takes the rest.
        var values: [String] = []
        for (index, token) in patternTokens.enumerated() where index < subjectTokens.count {
            if token == "*" { values.append(String(subjectTokens[index])) }
            if token == ">" { values.append(subjectTokens[index...].joined(separator: ".")) }
        }
        var next = 0
        let result = to.split(separator: ".", omittingEmptySubsequences: false).map { token -> String in
            guard token == "*" || token == ">", next < values.count else { return String(token) }
            defer { next += 1 }
            return values[next]
        }
        return result.joined(separator: ".")
    }
}
