import Subjects

/// One leafnode link's protocol, with no I/O (nats-server `server/leafnode.go`; see
/// docs/research/leafnode/PROTOCOL.md): every input is a method named for the event, every method
/// returns the actions to carry out, in order. The link's session owns one, on its event loop,
/// and does nothing but carry out what it returns (write, start TLS, schedule a timer, close).
///
/// The handshake, as nats-server speaks it: the hub sends INFO on accept (with a nonce, and
/// `tls_required` when its port wants TLS); the spoke answers with CONNECT (after its TLS
/// handshake, if any); the hub checks the credentials and answers with a second INFO
/// (`connect_info`); then each side sends its whole interest and pings start. A spoke that hears
/// its own loop-detection subject back (`$LDS.`) has made a loop: it says so and waits 30 s.
///
/// `Token` identifies a local subscription in the link's interest table (the broker's
/// `Subscription`; tests use any class).
package struct LeafLinkStateMachine<Token: AnyObject> {
    /// What the link needs to know about this server.
    package struct Configuration: Sendable {
        package var serverName: String
        package var jetStreamEnabled: Bool
        package var jetStreamDomain: String?
        /// `$LDS.<random>`: announced to every peer; hearing it back means a loop.
        package var loopDetectionSubject: String
        /// How long a spoke waits for the hub's INFO, and then for the INFO that answers its
        /// CONNECT (nats-server's 2 s).
        package var handshakeTimeout: Duration = .seconds(2)
        /// The pause nats-server asks for after a loop was detected.
        package var loopReconnectDelay: Duration = .seconds(30)

        package init(serverName: String, jetStreamEnabled: Bool, jetStreamDomain: String?, loopDetectionSubject: String) {
            self.serverName = serverName
            self.jetStreamEnabled = jetStreamEnabled
            self.jetStreamDomain = jetStreamDomain
            self.loopDetectionSubject = loopDetectionSubject
        }
    }

    /// Which side of the link we are.
    package enum Role: Sendable {
        /// We dialled the hub (`leafnodes.remotes`): we are the spoke.
        case solicited(Remote)
        /// The peer dialled our leafnode port: we are its hub.
        case accepted(Listener)
    }

    /// A spoke's remote, as the link sees it.
    package struct Remote: Sendable {
        /// `host:port` of the URL dialled, for logs.
        package var url: String
        /// TLS whatever the hub says (`tls://` URL or a `tls` block).
        package var requiresTLS: Bool
        package var lists: LeafSubjectRules.RemoteLists

        package init(url: String, requiresTLS: Bool, lists: LeafSubjectRules.RemoteLists) {
            self.url = url
            self.requiresTLS = requiresTLS
            self.lists = lists
        }
    }

    /// Our leafnode port, as the link sees it.
    package struct Listener: Sendable {
        /// TLS on the port, and whether the handshake comes before our INFO (`handshake_first`).
        package var tls: TLSOrder?
        /// How long the peer has to send CONNECT (`authorization { timeout }`, 2 s).
        package var authenticationTimeout: Duration
        /// Users or nkeys are configured: CONNECT's credentials are checked.
        package var requiresAuthentication: Bool
        /// The nonce our INFO carries, for an nkey user to sign.
        package var nonce: String

        package init(tls: TLSOrder?, authenticationTimeout: Duration, requiresAuthentication: Bool, nonce: String) {
            self.tls = tls
            self.authenticationTimeout = authenticationTimeout
            self.requiresAuthentication = requiresAuthentication
            self.nonce = nonce
        }
    }

    package enum TLSOrder: Sendable, Equatable {
        /// INFO in plain text (announcing `tls_required`), then the handshake.
        case afterInfo
        /// The handshake before anything (`handshake_first`).
        case beforeInfo
    }

    /// Where the link is. A spoke goes `awaitingInfo` → `awaitingConnectInfo` → `established`;
    /// a hub `awaitingConnect` → (`authenticating`) → `established`.
    package enum Phase: Equatable, Sendable {
        case idle
        /// Spoke: connected, waiting for the hub's INFO.
        case awaitingInfo
        /// Spoke: CONNECT sent, waiting for the INFO with `connect_info`.
        case awaitingConnectInfo
        /// Hub: INFO sent, waiting for the peer's CONNECT.
        case awaitingConnect
        /// Hub: CONNECT received, its credentials being checked.
        case authenticating(LeafConnectMessage)
        case established
        case closed
    }

    /// Why the link closes, in nats-server's words (the session maps it to its close reason).
    package enum CloseCause: Equatable, Sendable {
        case readError, protocolViolation, staleConnection, authenticationTimeout, authenticationViolation, tlsHandshakeError
    }

    package enum LogLevel: Equatable, Sendable { case debug, info, error }

    /// How a spoke's link is doing, for the remote's status in /varz.
    package enum RemoteStatus: Equatable, Sendable { case handshaking, connected }

    /// Where a local subscription comes from, for deciding whether this link announces it.
    package enum InterestOrigin: Equatable, Sendable {
        /// A client of ours, the server itself, or a leafnode link we accepted (a device below us).
        case local
        /// Interest announced by a hub we dialled (a spoke passes on only local interest and that
        /// of the leafnodes below it).
        case hub
        /// This link's own peer: never announced back.
        case thisLink
        /// Not to be announced over any link (the store-and-forward buffer's subjects).
        case unannounced
    }

    package enum Action: Equatable, Sendable {
        /// Writes our INFO: the first one (with the listener's nonce), or the answer to CONNECT.
        case sendInfo(connectInfo: Bool)
        /// Writes our CONNECT, signing `nonce` when we have a key.
        case sendConnect(nonce: String?)
        case sendError(String)
        case sendInterest(LeafInterestTable<Token>.Update)
        /// Hands what was written to the socket now.
        case flush
        case startServerTLS
        case startClientTLS
        case scheduleHandshakeTimeout(Duration)
        case cancelHandshakeTimeout
        /// Checks CONNECT's credentials; answer with ``authenticationCompleted(accepted:)``.
        case authenticate(LeafConnectMessage)
        /// What the peer said of itself (the hub's INFO, or the spoke's CONNECT).
        case adoptPeer(serverID: String, name: String, headers: Bool)
        /// `leafnode_urls` from the hub: more URLs to dial next time.
        case learnURLs([String])
        case reportStatus(RemoteStatus)
        /// Tells the dialer why this attempt failed (shown in /varz until the next one works).
        case recordFailure(String)
        /// Asks the dialer to wait this long before the next attempt.
        case delayReconnect(Duration)
        /// The link is up: announce our interest (``announcements(for:)``), start pings, tell
        /// the store-and-forward buffer.
        case established
        /// Takes the peer's interest in `subject` (an `LS+` that passed every check).
        case takePeerInterest(subject: String, queue: String?)
        /// A PING we sent with a waiter was answered: the peer has processed everything before it.
        case completePongWaiter(UInt64)
        case log(LogLevel, String)
        case close(CloseCause)
    }

    package let configuration: Configuration
    package let role: Role
    package private(set) var phase: Phase = .idle
    /// The link's subject rules; in force once it is established.
    package private(set) var rules = LeafSubjectRules()
    /// The hub's permissions for this link, from its INFO. `nil`: none given.
    package private(set) var hubPermissions: LeafHubPermissions?
    /// What we announced to the peer.
    package private(set) var interest = LeafInterestTable<Token>()
    /// One entry per PING we sent, in order: the waiter its PONG completes (`nil` for keepalive
    /// pings). PONGs answer PINGs in order.
    private var pongWaiters: [UInt64?] = []
    package private(set) var peerServerID = ""
    package private(set) var peerServerName = ""
    package private(set) var peerSupportsHeaders = false

    package init(configuration: Configuration, role: Role) {
        self.configuration = configuration
        self.role = role
    }

    package var isSolicited: Bool {
        if case .solicited = role { return true }
        return false
    }

    package var isEstablished: Bool { phase == .established }

    /// The peer's name as logs show it: its server name, else its id.
    package var peerLogName: String { peerServerName.isEmpty ? peerServerID : peerServerName }

    // MARK: - Handshake

    /// The connection is up.
    package mutating func start() -> [Action] {
        guard phase == .idle else { return [] }
        switch role {
        case .solicited:
            phase = .awaitingInfo
            return [
                .log(.debug, "Leafnode connection created, waiting for the hub's INFO"),
                .scheduleHandshakeTimeout(configuration.handshakeTimeout),
            ]
        case .accepted(let listener):
            phase = .awaitingConnect
            var actions: [Action] = []
            if listener.tls == .beforeInfo { actions.append(.startServerTLS) }
            actions.append(.sendInfo(connectInfo: false))
            if listener.tls == .afterInfo { actions += [.flush, .startServerTLS] }
            actions += [.scheduleHandshakeTimeout(listener.authenticationTimeout), .flush]
            return actions
        }
    }

    /// The peer sent INFO (`nil`: its JSON could not be read).
    package mutating func infoReceived(_ info: LeafInfoMessage?) -> [Action] {
        guard let info else {
            return [.log(.error, "Leafnode sent an INFO that is not valid JSON"), .close(.protocolViolation)]
        }
        // A spoke's INFO (2.10+ compression negotiation): we do not compress.
        guard case .solicited(let remote) = role else { return [] }
        var actions: [Action] = []
        if let urls = info.leafnodeURLs { actions.append(.learnURLs(urls)) }
        if let permissions = info.hubPermissions { actions += adopt(permissions) }
        switch phase {
        case .awaitingInfo:
            // nats-server: a peer without client_id or leafnode_urls is not a leafnode port.
            guard let clientID = info.clientID, clientID != 0, info.leafnodeURLs != nil else {
                return actions + [
                    .log(.error, "Leafnode attempted to connect to wrong port (not a leafnode port: \(remote.url))"),
                    .recordFailure("not a leafnode port"),
                    .close(.protocolViolation),
                ]
            }
            actions.append(.cancelHandshakeTimeout)
            if remote.requiresTLS || info.tlsRequired == true { actions.append(.startClientTLS) }
            actions += adoptPeer(serverID: info.serverID, name: info.serverName, headers: info.headers)
            actions += [.reportStatus(.handshaking), .sendConnect(nonce: info.nonce), .flush]
            if info.infoOnConnect == true {
                phase = .awaitingConnectInfo
                actions.append(.scheduleHandshakeTimeout(configuration.handshakeTimeout))
            } else {
                actions += establish(peerDenyPublish: [])
            }
        case .awaitingConnectInfo:
            if info.connectInfo == true { actions += establish(peerDenyPublish: []) }
        default:
            break  // an asynchronous INFO: only the URLs and permissions matter, taken above.
        }
        return actions
    }

    /// The hub told us what this link may carry. Before the link is up the rules are applied
    /// when it comes up; on a link that is up, interest no longer allowed is withdrawn.
    private mutating func adopt(_ permissions: LeafHubPermissions) -> [Action] {
        guard permissions != hubPermissions else { return [] }
        hubPermissions = permissions
        let importText = permissions.import.map { "\($0)" } ?? "any"
        let exportText = permissions.export.map { "\($0)" } ?? "any"
        var actions: [Action] = [.log(.debug, "Leafnode hub permissions: import \(importText), export \(exportText)")]
        guard isEstablished else { return actions }
        applyRules(peerDenyPublish: [])
        let rules = self.rules
        actions += interest.withdraw { rules.deniesInterest($0, queue: $1) }.map(Action.sendInterest)
        actions.append(.flush)
        return actions
    }

    /// The peer sent CONNECT (`nil`: its JSON could not be read).
    package mutating func connectReceived(_ connect: LeafConnectMessage?) -> [Action] {
        guard case .accepted(let listener) = role, phase == .awaitingConnect else {
            return [.log(.error, "Leafnode sent an unexpected CONNECT"), .close(.protocolViolation)]
        }
        var actions: [Action] = [.cancelHandshakeTimeout]
        guard let connect else {
            return actions + [.log(.error, "Leafnode sent a CONNECT that is not valid JSON"), .close(.protocolViolation)]
        }
        if connect.lang != nil {
            // A client library on the leafnode port.
            phase = .closed
            return actions + [
                .log(.error, "Client connected to the leafnode port"), .sendError("Authorization Violation"),
                .close(.authenticationViolation),
            ]
        }
        if listener.requiresAuthentication {
            phase = .authenticating(connect)
            actions.append(.authenticate(connect))
            return actions
        }
        return actions + accept(connect)
    }

    /// The credentials of the CONNECT handed out with ``Action/authenticate(_:)`` were checked.
    package mutating func authenticationCompleted(accepted: Bool) -> [Action] {
        guard case .authenticating(let connect) = phase else { return [] }
        guard accepted else {
            phase = .closed
            // Never the credentials.
            return [.log(.error, "authentication error"), .sendError("Authorization Violation"), .close(.authenticationViolation)]
        }
        return accept(connect)
    }

    private mutating func accept(_ connect: LeafConnectMessage) -> [Action] {
        if let cluster = connect.cluster, !cluster.isEmpty, cluster == configuration.serverName {
            phase = .closed
            return [.sendError("remote leafnode has same cluster name"), .close(.protocolViolation)]
        }
        return adoptPeer(serverID: connect.serverID, name: connect.name, headers: connect.headers)
            + [.sendInfo(connectInfo: true)]
            + establish(peerDenyPublish: connect.denyPublish ?? [])
    }

    private mutating func adoptPeer(serverID: String?, name: String?, headers: Bool?) -> [Action] {
        peerServerID = serverID ?? ""
        peerServerName = name ?? ""
        peerSupportsHeaders = headers ?? false
        return [.adoptPeer(serverID: peerServerID, name: peerServerName, headers: peerSupportsHeaders)]
    }

    /// Both sides agreed: the link's rules apply from now on.
    private mutating func establish(peerDenyPublish: [String]) -> [Action] {
        phase = .established
        applyRules(peerDenyPublish: peerDenyPublish)
        var actions: [Action] = [.cancelHandshakeTimeout]
        if isSolicited { actions.append(.reportStatus(.connected)) }
        actions.append(.established)
        return actions
    }

    private mutating func applyRules(peerDenyPublish: [String]) {
        var lists: LeafSubjectRules.RemoteLists?
        if case .solicited(let remote) = role { lists = remote.lists }
        rules = LeafSubjectRules(
            jetStreamEnabled: configuration.jetStreamEnabled, domain: configuration.jetStreamDomain,
            peerDenyPublish: peerDenyPublish, remote: lists, hubPermissions: hubPermissions
        )
    }

    /// The timer of ``Action/scheduleHandshakeTimeout(_:)`` fired (a timer cancelled too late
    /// finds the phase moved on and does nothing).
    package mutating func handshakeTimeoutFired() -> [Action] {
        switch phase {
        case .awaitingInfo:
            phase = .closed
            return [.log(.error, "Leafnode did not receive the hub's INFO in time"), .close(.readError)]
        case .awaitingConnectInfo:
            phase = .closed
            return [
                .log(.error, "Stale Leaf Node Connection - Closing"), .sendError("Stale Leaf Node Connection - Closing"),
                .close(.staleConnection),
            ]
        case .awaitingConnect:
            phase = .closed
            return [.sendError("Authentication Timeout"), .close(.authenticationTimeout)]
        default:
            return []
        }
    }

    /// `LS+`, `LS-` or `LMSG` (`verb`) arrived; the link is not up yet (check
    /// ``isEstablished`` first: messages take this path only when it is not).
    package mutating func operationBeforeHandshake(_ verb: String) -> [Action] {
        phase = .closed
        return [.log(.error, "Leafnode sent \(verb) before the handshake ended"), .close(.protocolViolation)]
    }

    /// The peer sent `-ERR`.
    package mutating func errorReceived(_ text: String) -> [Action] {
        let message = Self.trimmingQuotes(text)
        var actions: [Action] = [.log(.error, "Leafnode Error '\(message)'")]
        if message.contains("Loop detected") || message.contains("same cluster name") {
            actions += [
                .delayReconnect(configuration.loopReconnectDelay),
                .log(.error, "Delaying attempt to reconnect for \(Self.seconds(configuration.loopReconnectDelay))"),
            ]
        }
        phase = .closed
        actions += [.recordFailure(message), .close(message == "Authorization Violation" ? .authenticationViolation : .protocolViolation)]
        return actions
    }

    // MARK: - Interest

    /// The peer announced interest (`LS+`) on an established link. `account` names the link's
    /// account for the loop message.
    package mutating func peerInterestReceived(subject: String, queue: String?, account: String) -> [Action] {
        if subject == configuration.loopDetectionSubject {
            phase = .closed
            let text =
                "Loop detected for leafnode account=\"\(account)\". Delaying attempt to reconnect for \(Self.seconds(configuration.loopReconnectDelay))"
            return [.log(.error, text), .sendError(text), .delayReconnect(configuration.loopReconnectDelay), .close(.protocolViolation)]
        }
        guard SubjectValidation.isValidSubject(subject), queue.map(SubjectValidation.isValidQueueName) ?? true else {
            return [.log(.error, "Leafnode sent an invalid subject in LS+: \(subject)")]
        }
        // Interest the link can never serve is not taken (nats-server takes it and then refuses
        // to deliver; not taking it keeps it out of the subject index).
        if rules.deniesPeerInterest(subject) { return [] }
        return [.takePeerInterest(subject: subject, queue: queue)]
    }

    /// Whether a subscription is interest this link announces: not the peer's own, not what one
    /// hub told us when we talk to another hub, nothing the link's rules deny.
    package func announces(subject: String, queue: String?, origin: InterestOrigin) -> Bool {
        switch origin {
        case .thisLink, .unannounced: return false
        case .hub where isSolicited: return false
        case .hub, .local: return !rules.deniesInterest(subject, queue: queue)
        }
    }

    /// The interest to announce when the link comes up, from a snapshot of the account's
    /// subscriptions. Changes made meanwhile reach ``localInterestChanged(_:subject:queue:origin:isAdded:)``
    /// too; the table counts each subscription once.
    package mutating func announcements(for snapshot: [(token: Token, subject: String, queue: String?, origin: InterestOrigin)]) -> [Action]
    {
        guard isEstablished else { return [] }
        for entry in snapshot where announces(subject: entry.subject, queue: entry.queue, origin: entry.origin) {
            _ = interest.add(entry.token, subject: entry.subject, queue: entry.queue)
        }
        return interest.announcements.map(Action.sendInterest)
    }

    /// A subscription came or went in the link's account.
    package mutating func localInterestChanged(
        _ token: Token, subject: String, queue: String?, origin: InterestOrigin, isAdded: Bool
    ) -> [Action] {
        guard isEstablished else { return [] }
        let update: LeafInterestTable<Token>.Update?
        if isAdded {
            guard announces(subject: subject, queue: queue, origin: origin) else { return [] }
            update = interest.add(token, subject: subject, queue: queue)
        } else {
            update = interest.remove(token)
        }
        return update.map { [.sendInterest($0)] } ?? []
    }

    // MARK: - Ping and pong

    /// We sent a PING; `waiter` (if any) is completed by its PONG.
    package mutating func pingSent(waiter: UInt64?) {
        pongWaiters.append(waiter)
    }

    /// The peer sent PONG: it answers our oldest PING.
    package mutating func pongReceived() -> [Action] {
        guard !pongWaiters.isEmpty, let waiter = pongWaiters.removeFirst() else { return [] }
        return [.completePongWaiter(waiter)]
    }

    /// The connection closed: the waiters whose PONG will never come.
    package mutating func closed() -> [UInt64] {
        phase = .closed
        let waiting = pongWaiters.compactMap { $0 }
        pongWaiters.removeAll()
        return waiting
    }

    // MARK: - Texts

    /// `'text'` → `text` (nats-server quotes its `-ERR` texts).
    static func trimmingQuotes(_ text: String) -> String {
        var text = Substring(text).drop { $0 == " " }
        if text.hasPrefix("'") { text = text.dropFirst() }
        if text.hasSuffix("'") { text = text.dropLast() }
        return String(text)
    }

    /// Whole seconds as Go prints them (`30s`).
    static func seconds(_ duration: Duration) -> String {
        "\(duration.components.seconds)s"
    }
}
