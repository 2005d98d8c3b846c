import Subjects

/// The subject rules of one leafnode link (nats-server `addLeafNodeConnection` and
/// `processLeafnodeInfo`): what interest it announces and takes, and which messages it sends and
/// receives. A value owned by the link's state machine; the link's session reads it on its loop.
package struct LeafSubjectRules: Sendable {
    /// What a spoke's remote configures (`leafnodes.remotes[i]`).
    package struct RemoteLists: Equatable, Sendable {
        /// `deny_imports`: subjects the hub may not send us.
        package var denyImports: [String]
        /// `deny_exports`: subjects we never send to the hub.
        package var denyExports: [String]
        /// The store-and-forward buffer's subjects: they reach the hub through the buffer only.
        package var storeAndForwardSubjects: [String]

        package init(denyImports: [String] = [], denyExports: [String] = [], storeAndForwardSubjects: [String] = []) {
            self.denyImports = denyImports
            self.denyExports = denyExports
            self.storeAndForwardSubjects = storeAndForwardSubjects
        }
    }

    /// Subjects we never send over this link (deny_exports, the peer's deny_pub, JetStream).
    private(set) var publishDeny: [[UInt8]] = []
    /// Interest we do not announce (deny_imports, the hub's import deny, JetStream).
    private(set) var subscribeDeny: [String] = []
    /// Interest we do not take from the peer: JetStream's own subjects, which each side answers
    /// for itself.
    private(set) var peerInterestDeny: [String] = []
    /// Subjects we drop when the peer sends them (deny_imports, the hub's import deny).
    private(set) var importDeny: [[UInt8]] = []
    /// deny_exports and the hub's export deny list: what the store-and-forward buffer may not
    /// send either (its own subjects are in `publishDeny`, which keeps them off the live path).
    private(set) var exportDeny: [[UInt8]] = []
    /// The hub's export allow list: only these subjects are sent (`nil`: no restriction).
    private(set) var exportAllow: [[UInt8]]?
    /// The hub's import allow list: only this interest is announced (`nil`: no restriction).
    /// An entry may name a queue group (`"q.> workers"`): it allows only that group's interest.
    private(set) var importAllow: [(subject: String, queue: String?)]?
    /// The same, as bytes, for messages the hub sends.
    private(set) var importAllowBytes: [[UInt8]]?

    package init() {}

    /// The rules for a link: JetStream stays on its side of the link (each side answers its own
    /// `$JS.API`, `$KV` and `$OBJ`; the other side reaches it through `$JS.<domain>.API`), our
    /// own domain's API never leaves; a spoke adds its remote's lists and the hub's permissions
    /// (its export list is what we may publish to it, its import list what we may subscribe to;
    /// our own deny lists add to theirs).
    package init(
        jetStreamEnabled: Bool, domain: String?, peerDenyPublish: [String], remote: RemoteLists?, hubPermissions: LeafHubPermissions?
    ) {
        var publish: [String] = peerDenyPublish
        var subscribe: [String] = []
        if jetStreamEnabled {
            let jetStreamLocal = ["$JS.API.>", "$KV.>", "$OBJ.>"]
            publish += jetStreamLocal
            subscribe += jetStreamLocal
            peerInterestDeny = jetStreamLocal
            if let domain, !domain.isEmpty { publish.append("$JS.\(domain).API.>") }
        }
        if let remote {
            publish += remote.denyExports
            // These go to the hub through the store-and-forward buffer only, with a message id.
            // First in the list: they are the busiest subjects checked against it.
            publish.insert(contentsOf: remote.storeAndForwardSubjects, at: 0)
            subscribe += remote.denyImports
            var imports = remote.denyImports
            exportDeny = (remote.denyExports + (hubPermissions?.export?.deny ?? [])).map { Array($0.utf8) }
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
    package func deniesInterest(_ subject: String, queue: String? = nil) -> Bool {
        if subject.hasPrefix("$LDS.") { return false }
        if subscribeDeny.contains(where: { SubjectPattern.isSubset(subject, of: $0) }) { return true }
        guard let importAllow else { return false }
        let isWildcard = SubjectValidation.hasWildcard(subject)
        return !importAllow.contains { entry in
            (entry.queue == nil || entry.queue == queue)
                && (SubjectPattern.isSubset(subject, of: entry.subject)
                    || (isWildcard && SubjectPattern.isSubset(entry.subject, of: subject)))
        }
    }

    /// Whether the peer's interest in `subject` (its LS+) is not taken: JetStream's own
    /// subjects, and a literal subject we could never send it anyway (deny_exports, the hub's
    /// export permissions: nats-server's spoke checks literal interest against what it may
    /// publish). Our import rules do not apply: they decide what we take from the peer, its
    /// interest decides what we send.
    package func deniesPeerInterest(_ subject: String) -> Bool {
        if subject.hasPrefix("$LDS.") { return false }
        if peerInterestDeny.contains(where: { SubjectPattern.isSubset(subject, of: $0) }) { return true }
        // (Not `mayPublish`: the store-and-forward subjects, kept off the live path there, need
        // the peer's interest to be sent from the buffer.)
        return !SubjectValidation.hasWildcard(subject) && !mayForward(subject)
    }

    /// Whether a message on `subject` may be sent to the peer.
    @inline(__always)
    package func mayPublish(_ subject: UnsafeRawBufferPointer) -> Bool {
        if Self.matchesAny(publishDeny, subject) { return false }
        if let exportAllow, !Self.matchesAny(exportAllow, subject) { return false }
        return true
    }

    /// Whether the store-and-forward buffer may send a message on `subject`.
    package func mayForward(_ subject: String) -> Bool {
        var subject = subject
        return subject.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            if Self.matchesAny(exportDeny, raw) { return false }
            if let exportAllow, !Self.matchesAny(exportAllow, raw) { return false }
            return true
        }
    }

    /// Whether this link filters what the peer sends (most links do not: the check is skipped).
    @inline(__always)
    package var filtersImports: Bool { !importDeny.isEmpty || importAllowBytes != nil }

    /// Whether a message the peer sent on `subject` is taken.
    @inline(__always)
    package func mayReceive(_ subject: UnsafeRawBufferPointer) -> Bool {
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
