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
    /// Interest we do not announce (deny_imports, the hub's import deny, JetStream).
    var subscribeDeny: [String] = []
    /// Interest we do not take from the peer: JetStream's own subjects, which each side answers
    /// for itself.
    var peerInterestDeny: [String] = []
    /// Subjects we drop when the peer sends them (deny_imports, the hub's import deny).
    var importDeny: [[UInt8]] = []
    /// The hub's permissions for this link, from its INFO (`export`: what we may send it;
    /// `import`: what interest we may announce and what we take from it). `nil`: none given.
    var hubPermissions: LeafHubPermissions?
    /// deny_exports and the hub's export deny list: what the store-and-forward buffer may not
    /// send either (its own subjects are in `publishDeny`, which keeps them off the live path).
    var exportDeny: [[UInt8]] = []
    /// The hub's export allow list: only these subjects are sent (`nil`: no restriction).
    var exportAllow: [[UInt8]]?
    /// The hub's import allow list: only this interest is announced (`nil`: no restriction).
    /// An entry may name a queue group (`"q.> workers"`): it allows only that group's interest.
    var importAllow: [(subject: String, queue: String?)]?
    /// The same, as bytes, for messages the hub sends.
    var importAllowBytes: [[UInt8]]?
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
            peerInterestDeny = jetStreamLocal
            if let domain, !domain.isEmpty { publish.append("$JS.\(domain).API.>") }
        }
        if case .solicited(let remote, _) = role {
            publish += remote.configuration.denyExports
            // These go to the hub through the store-and-forward buffer only, with a message id.
            // First in the list: they are the busiest subjects checked against it.
            publish.insert(contentsOf: remote.configuration.storeAndForward?.subjects ?? [], at: 0)
            subscribe += remote.configuration.denyImports
            var imports = remote.configuration.denyImports
            // The hub's permissions (nats-server `processLeafnodeInfo`): its export list is what
            // we may publish to it, its import list what we may subscribe to; our own deny
            // lists add to theirs.
            exportDeny = (remote.configuration.denyExports + (hubPermissions?.export?.deny ?? [])).map { Array($0.utf8) }
            if let hub = hubPermissions {
                publish += hub.export?.deny ?? []
                let importDenied = (hub.import?.deny ?? []).map { Self.subjectAndQueue($0).subject }
                subscribe += importDenied
                imports += importDenied
                exportAllow = hub.export?.allow.map { $0.map { Array($0.utf8) } }
                importAllow = hub.import?.allow.map { $0.map(Self.subjectAndQueue) }
                importAllowBytes = importAllow.map { $0.map { Array($0.subject.utf8) } }
            }
            importDeny = imports.map { Array($0.utf8) }
        }
        publishDeny = publish.map { Array($0.utf8) }
        subscribeDeny = subscribe
    }

    /// A subscribe permission may name a queue after the subject (`"orders.> workers"`). Deny
    /// entries are applied to the subject whatever the queue (stricter than the hub, never
    /// looser); allow entries keep their queue.
    private static func subjectAndQueue(_ entry: String) -> (subject: String, queue: String?) {
        let parts = entry.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let subject = parts.first else { return (entry, nil) }
        let queue = parts.count > 1 ? parts[1].split(separator: " ").first.map(String.init) : nil
        return (String(subject), queue)
    }

    /// Whether `subject` (a subscription's subject) is interest this link must not carry.
    /// The loop-detection subjects always cross. Against the hub's import allow list a
    /// wildcard passes when it covers an allowed subject, as nats-server's `canSubscribe` lets
    /// it for leafnode links (`bar.*` with `bar.>` allowed): the hub delivers only what is allowed.
    func deniesInterest(_ subject: String, queue: String? = nil) -> Bool {
        if subject.hasPrefix("$LDS.") { return false }
        if subscribeDeny.contains(where: { SubjectPattern.isSubset(subject, of: $0) }) { return true }
        guard let importAllow else { return false }
        let isWildcard = SubjectValidation.hasWildcard(subject)
        return !importAllow.contains { entry in
            (entry.queue == nil || entry.queue == queue)
                && (SubjectPattern.isSubset(subject, of: entry.subject) || (isWildcard && SubjectPattern.isSubset(entry.subject, of: subject)))
        }
    }

    /// Whether the peer's interest in `subject` (its LS+) is not taken: JetStream's own
    /// subjects, and a literal subject we could never send it anyway (deny_exports, the hub's
    /// export permissions: nats-server's spoke checks literal interest against what it may
    /// publish). Our import rules do not apply: they
    /// decide what we take from the peer, its interest decides what we send.
    func deniesPeerInterest(_ subject: String) -> Bool {
        if subject.hasPrefix("$LDS.") { return false }
        if peerInterestDeny.contains(where: { SubjectPattern.isSubset(subject, of: $0) }) { return true }
        // (Not `mayPublish`: the store-and-forward subjects, kept off the live path there, need
        // the peer's interest to be sent from the buffer.)
        return !SubjectValidation.hasWildcard(subject) && !mayForward(subject)
    }

    /// Whether a message on `subject` may be sent to the peer.
    @inline(__always)
    func mayPublish(_ subject: UnsafeRawBufferPointer) -> Bool {
        if Self.matchesAny(publishDeny, subject) { return false }
        if let exportAllow, !Self.matchesAny(exportAllow, subject) { return false }
        return true
    }

    /// Whether the store-and-forward buffer may send a message on `subject`.
    func mayForward(_ subject: String) -> Bool {
        var subject = subject
        return subject.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            if Self.matchesAny(exportDeny, raw) { return false }
            if let exportAllow, !Self.matchesAny(exportAllow, raw) { return false }
            return true
        }
    }

    /// Whether a message the peer sent on `subject` is taken.
    @inline(__always)
    func mayReceive(_ subject: UnsafeRawBufferPointer) -> Bool {
        if !importDeny.isEmpty && Self.matchesAny(importDeny, subject) { return false }
        if let importAllowBytes, !Self.matchesAny(importAllowBytes, subject) { return false }
        return true
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

/// A hub's permissions for a leafnode link, as its INFO carries them: `{"import":{"allow":[...],
/// "deny":[...]},"export":{...}}` (nats-server `sendPermsAndAccountInfo`: import is the link
/// user's subscribe permissions, export its publish permissions).
struct LeafHubPermissions: Decodable, Equatable {
    struct Lists: Decodable, Equatable {
        /// `nil`: no allow list (everything not denied); empty: nothing.
        var allow: [String]?
        var deny: [String]?
    }

    var `import`: Lists?
    var export: Lists?
}
