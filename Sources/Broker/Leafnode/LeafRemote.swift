import Leafnode
import NIOConcurrencyHelpers

/// The live state of one configured remote, shared by its dialer and its link's session: the
/// ``LeafReconnectPolicy`` (which URL next, how long to wait) and the link's status for /varz.
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
        var policy: LeafReconnectPolicy
        var status = Status()
    }

    private let state: NIOLockedValueBox<State>

    package init(configuration: LeafRemoteConfiguration, index: Int, reconnectInterval: Duration, forwardBuffer: ForwardBuffer? = nil) {
        self.configuration = configuration
        self.index = index
        self.forwardBuffer = forwardBuffer
        self.state = NIOLockedValueBox(State(policy: LeafReconnectPolicy(urls: configuration.urls, interval: reconnectInterval)))
    }

    package var status: Status { state.withLockedValue { $0.status } }

    // MARK: The dialer

    /// The URL for the next attempt.
    package func nextURL() -> LeafURL {
        state.withLockedValue { state in
            state.status.state = .connecting
            return state.policy.dial()
        }
    }

    package func dialSucceeded() {
        state.withLockedValue { $0.policy.dialSucceeded() }
    }

    /// The dial failed (`text` says why). Returns the failures in a row so far and whether this
    /// one is worth an error line.
    package func dialFailed(_ text: String) -> (count: Int, isLogged: Bool) {
        state.withLockedValue { state in
            state.status.lastError = text
            state.status.state = .waiting
            let isLogged = state.policy.dialFailed()
            return (state.policy.consecutiveFailures, isLogged)
        }
    }

    /// The attempt is over: how long to wait, and whether the wait is worth an info line (not in
    /// the middle of a long outage).
    package func attemptEnded() -> (delay: Duration, isQuiet: Bool) {
        state.withLockedValue { state in
            var generator = SystemRandomNumberGenerator()
            return (state.policy.attemptEnded(using: &generator), state.policy.isQuiet)
        }
    }

    // MARK: The link

    /// `leafnode_urls` from the hub's INFO, with the credentials of `current`.
    func learn(urls: [String], from current: LeafURL) {
        state.withLockedValue { $0.policy.learn(urls: urls, from: current) }
    }

    /// Waits this long after the link closed before the next attempt (once).
    func delayNextAttempt(by duration: Duration) {
        state.withLockedValue { $0.policy.delayNextAttempt(by: duration) }
    }

    func report(_ status: LeafLinkStateMachine<Subscription>.RemoteStatus) {
        state.withLockedValue { state in
            switch status {
            case .handshaking:
                state.status.state = .handshaking
            case .connected:
                state.status.state = .connected
                state.status.lastError = nil
            }
        }
    }

    package func recordFailure(_ text: String) {
        state.withLockedValue { state in
            state.status.lastError = text
            state.status.state = .waiting
        }
    }

    /// The link closed (`reason`): shown as the last error unless the handshake had already
    /// said something more precise.
    func linkClosed(reason: String, wasEstablished: Bool) {
        state.withLockedValue { state in
            state.status.state = .waiting
            if state.status.lastError == nil || wasEstablished { state.status.lastError = reason }
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
