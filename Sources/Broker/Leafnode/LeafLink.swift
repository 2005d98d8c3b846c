import NIOCore
import Subjects

/// What a connection that is a leafnode link knows beyond a client connection: its role, where
/// it is in the handshake, what the peer told us, the interest we announced, and the subject
/// rules of the link. Touched on the connection's event loop only.
package final class LeafLink {
    package enum Role {
        /// We dialled the hub (`leafnodes.remotes`): we are the spoke.
        case solicited(LeafRemote, LeafURL)
        /// The peer dialled our leafnode port: we are its hub.
        case accepted
    }

    enum Phase {
        /// Solicited: connected, waiting for the hub's INFO.
        case awaitingInfo
        /// Solicited: CONNECT sent, waiting for the INFO with `connect_info`.
        case awaitingConnectInfo
        /// Accepted: INFO sent, waiting for the peer's CONNECT.
        case awaitingConnect
        case established
    }

    let role: Role
    var phase: Phase
    var handshakeTimer: Scheduled<Void>?

    var remoteServerID = ""
    var remoteServerName = ""
    var remoteHeaders = false
    /// The nonce of the INFO we sent (accepting side), which an nkey user signs.
    var sentNonce = ""

    /// What we announced to the peer.
    var interest = LeafInterestTable<Subscription>()

    /// Subjects we never send over this link (deny_exports, the peer's deny_pub, JetStream).
    var publishDeny: [[UInt8]] = []
    /// Interest we do not announce and do not accept (deny_imports, JetStream).
    var subscribeDeny: [String] = []
    /// Subjects we drop when the peer sends them (deny_imports).
    var importDeny: [[UInt8]] = []
    /// One entry per PING we sent, in order: what to call when its PONG comes (`true`) or the
    /// link closes first (`false`). Keepalive pings have none. PONGs answer PINGs in order, so a
    /// PONG confirms that the peer has processed everything we sent before that PING.
    var pongWaiters: [((Bool) -> Void)?] = []

    init(role: Role) {
        self.role = role
        switch role {
        case .solicited: phase = .awaitingInfo
        case .accepted: phase = .awaitingConnect
        }
    }

    var isSolicited: Bool {
        if case .solicited = role { return true }
        return false
    }

    var remote: LeafRemote? {
        if case .solicited(let remote, _) = role { return remote }
        return nil
    }

    var isEstablished: Bool {
        if case .established = phase { return true }
        return false
    }

    /// The subject rules nats-server applies to a leafnode link (`addLeafNodeConnection`):
    /// JetStream stays on its side of the link (each side answers its own `$JS.API`, `$KV` and
    /// `$OBJ`; the other side reaches it through `$JS.<domain>.API`), and our own domain's API
    /// never leaves.
    func applyRules(jetStreamEnabled: Bool, domain: String?, peerDenyPublish: [String]) {
        var publish: [String] = peerDenyPublish
        var subscribe: [String] = []
        if jetStreamEnabled {
            let jetStreamLocal = ["$JS.API.>", "$KV.>", "$OBJ.>"]
            publish += jetStreamLocal
            subscribe += jetStreamLocal
            if let domain, !domain.isEmpty { publish.append("$JS.\(domain).API.>") }
        }
        if case .solicited(let remote, _) = role {
            publish += remote.configuration.denyExports
            // These go to the hub through the store-and-forward buffer only, with a message id.
            // First in the list: they are the busiest subjects checked against it.
            publish.insert(contentsOf: remote.configuration.storeAndForward?.subjects ?? [], at: 0)
            subscribe += remote.configuration.denyImports
            importDeny = remote.configuration.denyImports.map { Array($0.utf8) }
        }
        publishDeny = publish.map { Array($0.utf8) }
        subscribeDeny = subscribe
    }

    /// Whether `subject` (a subscription's subject) is interest this link must not carry.
    /// The loop-detection subjects always cross.
    func deniesInterest(_ subject: String) -> Bool {
        if subject.hasPrefix("$LDS.") { return false }
        return subscribeDeny.contains { SubjectPattern.isSubset(subject, of: $0) }
    }

    @inline(__always)
    static func matchesAny(_ patterns: [[UInt8]], _ subject: UnsafeRawBufferPointer) -> Bool {
        for pattern in patterns {
            let matched = pattern.withUnsafeBytes { SubjectPattern.matches(pattern: $0, subject: subject) }
            if matched { return true }
        }
        return false
    }
}
