import Synchronization

/// The live state of one configured remote: which URL to try next (configured ones plus those
/// the hub announced in `leafnode_urls`), how long to wait before the next attempt, and the
/// link's state for monitoring. Shared by the dialer and the link's connection.
package final class LeafRemote: Sendable {
    package let configuration: LeafRemoteConfiguration
    /// Position of the remote in `leafnodes.remotes`, for logs.
    package let index: Int
    /// The store-and-forward buffer of this remote, if it has one.
    package let forwardBuffer: ForwardBuffer?

    package enum LinkState: String, Sendable {
        case connecting, handshaking, connected, waiting
    }

    /// What /varz shows of the link.
    package struct Status: Sendable {
        package var state: LinkState = .connecting
        package var lastError: String?
    }

    private struct State {
        var learnedURLs: [LeafURL] = []
        var nextURLIndex = 0
        /// A longer pause asked for by the peer (loop detected: 30 s).
        var delayOverride: Duration?
        var status = Status()
    }

    private let state = Mutex(State())

    package init(configuration: LeafRemoteConfiguration, index: Int, forwardBuffer: ForwardBuffer? = nil) {
        self.configuration = configuration
        self.index = index
        self.forwardBuffer = forwardBuffer
    }

    /// The URL for the next attempt, rotating over configured and learned URLs.
    package func nextURL() -> LeafURL {
        state.withLock { state in
            var candidates = configuration.urls
            for url in state.learnedURLs where !candidates.contains(where: { $0.host == url.host && $0.port == url.port }) {
                candidates.append(url)
            }
            let url = candidates[state.nextURLIndex % candidates.count]
            state.nextURLIndex += 1
            state.status.state = .connecting
            return url
        }
    }

    /// `leafnode_urls` from the hub's INFO (`host:port` strings). The credentials of the
    /// configured URL are reused for them, as nats-server does.
    func learn(urls: [String], credentialsFrom current: LeafURL) {
        let parsed = urls.compactMap { text -> LeafURL? in
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return LeafURL(host: host, port: port, user: current.user, password: current.password, requiresTLS: current.requiresTLS)
        }
        state.withLock { $0.learnedURLs = parsed }
    }

    /// Waits this long after the link closed before the next attempt (once).
    func delayNextAttempt(by duration: Duration) {
        state.withLock { $0.delayOverride = duration }
    }

    /// The pause before the next attempt: the override if the peer asked for one, otherwise
    /// `interval` plus up to half an `interval` of jitter, so that boards restarted together do
    /// not reconnect in step (nats-server 2.9 waits exactly `interval`; 2.10+ adds up to a whole
    /// `interval`, which makes a returning hub wait longer for its leafs).
    package func takeDelay(interval: Duration) -> Duration {
        state.withLock { state in
            if let override = state.delayOverride {
                state.delayOverride = nil
                return override
            }
            let nanoseconds = max(Int64(1), interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000)
            return interval + .nanoseconds(Int64.random(in: 0..<max(1, nanoseconds / 2)))
        }
    }

    package var status: Status { state.withLock { $0.status } }

    func update(_ body: (inout Status) -> Void) {
        state.withLock { body(&$0.status) }
    }

    package func recordFailure(_ text: String) {
        state.withLock { state in
            state.status.lastError = text
            state.status.state = .waiting
        }
    }
}

/// Random alphanumeric tokens (nonces, the `$LDS.` subject).
enum ServerNonce {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    static func make(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
