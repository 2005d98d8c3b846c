/// How a remote keeps its uplink (nats-server `server/leafnode.go`, `reConnectToRemoteLeafNode`),
/// with no I/O: which URL to dial next, how long to wait after an attempt, which failures are
/// worth a log line. The remote's dialer asks it at each step and sleeps as told.
///
/// States: `idle` → `dialing(url)` → `linked(url)` (the socket is up; the link may still be in its
/// handshake) → `backingOff(delay)` → `dialing(next url)`...; a failed dial goes from `dialing`
/// straight to `backingOff`.
package struct LeafReconnectPolicy: Sendable {
    package enum State: Equatable, Sendable {
        case idle
        case dialing(LeafURL)
        case linked(LeafURL)
        case backingOff(Duration)
    }

    /// The URLs of the remote's configuration, in order.
    package let configuredURLs: [LeafURL]
    /// `reconnect` (nats-server's default 1 s).
    package let interval: Duration
    package private(set) var state = State.idle
    /// `leafnode_urls` the hub announced, tried after the configured ones.
    package private(set) var learnedURLs: [LeafURL] = []
    private var nextURLIndex = 0
    /// A longer pause asked for by the peer (loop detected: 30 s), for the next wait only.
    private var delayOverride: Duration?
    /// Dials that failed since the last one that worked.
    package private(set) var consecutiveFailures = 0

    /// After this many failures in a row, only every `failureLogPeriod`-th is logged: a long
    /// outage (days on a cellular link) must not fill the SD card.
    package static let failuresAlwaysLogged = 3
    package static let failureLogPeriod = 30

    package init(urls: [LeafURL], interval: Duration) {
        precondition(!urls.isEmpty, "a remote has at least one URL (the configuration checks it)")
        self.configuredURLs = urls
        self.interval = interval
    }

    /// Starts an attempt: the URL to dial, rotating over the configured URLs and those the hub
    /// announced.
    package mutating func dial() -> LeafURL {
        var candidates = configuredURLs
        for url in learnedURLs where !candidates.contains(where: { $0.host == url.host && $0.port == url.port }) {
            candidates.append(url)
        }
        let url = candidates[nextURLIndex % candidates.count]
        nextURLIndex += 1
        state = .dialing(url)
        return url
    }

    /// The socket is up.
    package mutating func dialSucceeded() {
        guard case .dialing(let url) = state else { return }
        consecutiveFailures = 0
        state = .linked(url)
    }

    /// The dial failed. Returns whether the failure is worth an error line (the first few, then
    /// every `failureLogPeriod`-th).
    package mutating func dialFailed() -> Bool {
        consecutiveFailures += 1
        return Self.isLogged(failure: consecutiveFailures)
    }

    package static func isLogged(failure count: Int) -> Bool {
        count <= failuresAlwaysLogged || count % failureLogPeriod == 0
    }

    /// Whether the current stretch of failures is still logged at info level.
    package var isQuiet: Bool { !Self.isLogged(failure: consecutiveFailures) }

    /// The attempt is over (the link ended, or the dial failed): how long to wait before the
    /// next. The peer's override if it asked for one; otherwise `interval` plus up to half an
    /// `interval` of jitter, so that boards restarted together do not reconnect in step
    /// (nats-server 2.9 waits exactly `interval`; 2.10+ adds up to a whole `interval`, which makes
    /// a returning hub wait longer for its leafs).
    package mutating func attemptEnded(using generator: inout some RandomNumberGenerator) -> Duration {
        let delay: Duration
        if let override = delayOverride {
            delayOverride = nil
            delay = override
        } else {
            let nanoseconds = max(Int64(1), interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000)
            delay = interval + .nanoseconds(Int64.random(in: 0..<max(1, nanoseconds / 2), using: &generator))
        }
        state = .backingOff(delay)
        return delay
    }

    /// `leafnode_urls` from the hub's INFO (`host:port` strings). The credentials and TLS of the
    /// URL in use are reused for them, as nats-server does.
    package mutating func learn(urls: [String], from current: LeafURL) {
        learnedURLs = urls.compactMap { text -> LeafURL? in
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return LeafURL(host: host, port: port, user: current.user, password: current.password, requiresTLS: current.requiresTLS)
        }
    }

    /// The peer asked for a longer pause (a loop): the next wait is `duration`.
    package mutating func delayNextAttempt(by duration: Duration) {
        delayOverride = duration
    }
}
