#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NATSWire
import NKeys
import Subjects

/// A connection that is a leafnode link (nats-server `server/leafnode.go`): the handshake on
/// both sides, interest (`LS+`/`LS-`) and messages (`LMSG`) in both directions, loop detection.
///
/// The handshake, as nats-server speaks it: the hub sends INFO on accept; the spoke answers
/// with CONNECT; the hub answers that with a second INFO (`connect_info`), then each side sends
/// its whole interest and pings start. See docs/research/leafnode/PROTOCOL.md.
extension ClientConnection {
    /// How long a spoke waits for the hub's INFO, and then for the INFO that answers its CONNECT.
    static let leafHandshakeTimeout: TimeAmount = .seconds(2)
    /// The pause nats-server asks for after a loop was detected.
    static let leafLoopReconnectDelay: Duration = .seconds(30)

    var leafLogName: String {
        guard let leaf else { return "" }
        return leaf.remoteServerName.isEmpty ? leaf.remoteServerID : leaf.remoteServerName
    }

    // MARK: - Start

    func startLeaf(context: ChannelHandlerContext) {
        self.context = context
        guard let leaf, broker.register(self) else {
            close(reason: .serverShutdown)
            return
        }
        switch leaf.role {
        case .solicited:
            logger.debug("\(logPrefix) - Leafnode connection created, waiting for the hub's INFO")
            leaf.handshakeTimer = eventLoop.scheduleTask(in: Self.leafHandshakeTimeout) { [self] in
                guard self.leaf?.phase == .awaitingInfo else { return }
                logger.error("\(logPrefix) - Leafnode did not receive the hub's INFO in time")
                close(reason: .readError)
            }
        case .accepted:
            leaf.sentNonce = ServerNonce.make(length: 11)
            let tls = broker.configuration.leafNodes?.tls
            if let tls, tls.handshakeFirst, !beginServerTLS(tls) { return }
            outbound.writeInfo(json: leafInfoJSON(connectInfo: false, nonce: leaf.sentNonce))
            if let tls, !tls.handshakeFirst {
                flushNow()  // the INFO in plain text, the rest through TLS
                if !beginServerTLS(tls) { return }
            }
            let timeout = broker.configuration.leafNodes?.authTimeout ?? .seconds(2)
            leaf.handshakeTimer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { [self] in
                guard self.leaf?.phase == .awaitingConnect else { return }
                sendError("Authentication Timeout")
                close(reason: .authenticationTimeout)
            }
            flushNow()
        }
    }

    // MARK: - Operations

    /// Handles one operation from the peer. Returns `false` once the connection is closed.
    func handleLeaf(_ op: ProtocolOp) -> Bool {
        guard let leaf else { return false }
        switch op {
        case .info(let json):
            processLeafInfo(json, leaf: leaf)
        case .connect(let json):
            processLeafConnect(json, leaf: leaf)
        case .leafSubscribe(let interest):
            guard requireEstablished(leaf, "LS+") else { break }
            processLeafSubscribe(interest, leaf: leaf)
        case .leafUnsubscribe(let interest):
            guard requireEstablished(leaf, "LS-") else { break }
            processLeafUnsubscribe(interest)
        case .leafMessage(let message):
            guard requireEstablished(leaf, "LMSG") else { break }
            processLeafMessage(message, leaf: leaf)
        case .ping:
            processPing()
        case .pong:
            processPong()
            if !leaf.pongWaiters.isEmpty { leaf.pongWaiters.removeFirst()?(true) }
        case .error(let text):
            processLeafError(String(buffer: text), leaf: leaf)
        case .ok:
            break
        case .publish, .subscribe, .unsubscribe, .message:
            // Not in the leafnode dialect: the parser does not return these for a leaf link.
            break
        }
        return state != .closed
    }

    private func requireEstablished(_ leaf: LeafLink, _ verb: String) -> Bool {
        if leaf.isEstablished { return true }
        logger.error("\(logPrefix) - Leafnode sent \(verb) before the handshake ended")
        close(reason: .protocolViolation)
        return false
    }

    // MARK: INFO (spoke side)

    private func processLeafInfo(_ json: ByteBuffer, leaf: LeafLink) {
        guard let info = try? JSONDecoder().decode(LeafInfoMessage.self, from: Data(json.readableBytesView)) else {
            logger.error("\(logPrefix) - Leafnode sent an INFO that is not valid JSON")
            close(reason: .protocolViolation)
            return
        }
        guard case .solicited(let remote, let url) = leaf.role else {
            return  // a spoke's INFO (2.10+ compression negotiation): we do not compress.
        }
        if let urls = info.leafnodeURLs { remote.learn(urls: urls, credentialsFrom: url) }
        if info.importPermissions != nil || info.exportPermissions != nil {
            adoptHubPermissions(LeafHubPermissions(import: info.importPermissions, export: info.exportPermissions), leaf: leaf)
        }
        switch leaf.phase {
        case .awaitingInfo:
            // nats-server: a peer without client_id or leafnode_urls is not a leafnode port.
            guard let clientID = info.clientID, clientID != 0, info.leafnodeURLs != nil else {
                logger.error("\(logPrefix) - Leafnode attempted to connect to wrong port (not a leafnode port: \(url))")
                remote.recordFailure("not a leafnode port")
                close(reason: .protocolViolation)
                return
            }
            leaf.handshakeTimer?.cancel()
            if url.requiresTLS || remote.configuration.tls != nil || info.tlsRequired == true {
                guard let tls = remote.configuration.tls ?? Self.defaultHubTLS() else {
                    logger.error("\(logPrefix) - Leafnode hub requires TLS and no TLS context could be made")
                    remote.recordFailure("TLS required")
                    close(reason: .tlsHandshakeError)
                    return
                }
                if !beginClientTLS(tls, host: url.host) { return }
            }
            adoptPeer(leaf, serverID: info.serverID, name: info.serverName, headers: info.headers)
            remote.update { $0.state = .handshaking }
            outbound.writeString("CONNECT ")
            outbound.writeString(leafConnectJSON(url: url, remote: remote, nonce: info.nonce))
            outbound.writeStaticString("\r\n")
            flushNow()
            if info.infoOnConnect == true {
                leaf.phase = .awaitingConnectInfo
                leaf.handshakeTimer = eventLoop.scheduleTask(in: Self.leafHandshakeTimeout) { [self] in
                    guard self.leaf?.phase == .awaitingConnectInfo else { return }
                    logger.error("\(logPrefix) - Stale Leaf Node Connection - Closing")
                    sendError("Stale Leaf Node Connection - Closing")
                    close(reason: .staleConnection)
                }
            } else {
                establishLeaf(leaf, peerDenyPublish: [])
            }
        case .awaitingConnectInfo:
            guard info.connectInfo == true else { return }
            establishLeaf(leaf, peerDenyPublish: [])
        case .awaitingConnect, .established:
            break  // an asynchronous INFO: only the URLs matter, taken above.
        }
    }

    /// The hub told us what this link may carry. Before the link is up the rules are applied
    /// when it comes up; on a link that is up, interest no longer allowed is withdrawn.
    private func adoptHubPermissions(_ permissions: LeafHubPermissions, leaf: LeafLink) {
        guard permissions != leaf.hubPermissions else { return }
        leaf.hubPermissions = permissions
        logger.debug("\(logPrefix) - Leafnode hub permissions: import \(permissions.import.map { "\($0)" } ?? "any"), export \(permissions.export.map { "\($0)" } ?? "any")")
        guard leaf.isEstablished else { return }
        leaf.applyRules(
            jetStreamEnabled: broker.configuration.jetStreamEnabled,
            domain: broker.configuration.jetStreamDomain,
            peerDenyPublish: []
        )
        var withdrawn: [Subscription] = []
        account.forEachSubscription { subscription in
            if subscription.isAnnounced && leaf.deniesInterest(subscription.subject, queue: subscription.queue) { withdrawn.append(subscription) }
        }
        for subscription in withdrawn {
            if let update = leaf.interest.remove(subscription) { write(update) }
        }
        markForFlush()
    }

    // MARK: CONNECT (hub side)

    private func processLeafConnect(_ json: ByteBuffer, leaf: LeafLink) {
        guard case .accepted = leaf.role, leaf.phase == .awaitingConnect else {
            logger.error("\(logPrefix) - Leafnode sent an unexpected CONNECT")
            close(reason: .protocolViolation)
            return
        }
        leaf.handshakeTimer?.cancel()
        guard let connect = try? JSONDecoder().decode(LeafConnectMessage.self, from: Data(json.readableBytesView)) else {
            logger.error("\(logPrefix) - Leafnode sent a CONNECT that is not valid JSON")
            close(reason: .protocolViolation)
            return
        }
        if connect.lang != nil {
            // A client library on the leafnode port.
            logger.error("\(logPrefix) - Client connected to the leafnode port")
            sendError("Authorization Violation")
            close(reason: .authenticationViolation)
            return
        }
        let users = broker.configuration.leafNodes?.users ?? []
        let nkeys = broker.configuration.leafNodes?.nkeys ?? []
        if !users.isEmpty || !nkeys.isEmpty {
            let accepted: Bool
            if let nkey = connect.nkey {
                // An nkey user proves itself by signing the nonce of our INFO.
                let signature = connect.signature.flatMap { NKeys.unbase64URL($0) } ?? []
                accepted = nkeys.contains(nkey) && NKeys.verify(publicKey: nkey, signature: signature, data: Array(leaf.sentNonce.utf8))
            } else {
                let matched = users.first { user in
                    guard let offered = connect.user, constantTimeEquals(offered, user.user) else { return false }
                    return PasswordCheck.matches(offered: connect.password ?? "", configured: user.password)
                }
                accepted = matched != nil
                // The link binds its user's account, before any interest is exchanged.
                if let matched { account = broker.account(named: matched.account) }
            }
            guard accepted else {
                logger.error("\(logPrefix) - authentication error")  // never the credentials
                sendError("Authorization Violation")
                close(reason: .authenticationViolation)
                return
            }
        }
        if let cluster = connect.cluster, !cluster.isEmpty, cluster == broker.configuration.serverName {
            sendError("remote leafnode has same cluster name")
            close(reason: .protocolViolation)
            return
        }
        adoptPeer(leaf, serverID: connect.serverID, name: connect.name, headers: connect.headers)
        outbound.writeInfo(json: leafInfoJSON(connectInfo: true, nonce: nil))
        establishLeaf(leaf, peerDenyPublish: connect.denyPublish ?? [])
    }

    /// What the peer said of itself (the hub's INFO, or the spoke's CONNECT).
    private func adoptPeer(_ leaf: LeafLink, serverID: String?, name: String?, headers: Bool?) {
        leaf.remoteServerID = serverID ?? ""
        leaf.remoteServerName = name ?? ""
        leaf.remoteHeaders = headers ?? false
        headersEnabled = broker.configuration.headersSupported && leaf.remoteHeaders
        logPrefix = "\(remoteHost):\(remotePort) - lid:\(id) - \"\(leafLogName)\""
    }

    // MARK: Established

    /// Both sides agreed: apply the link's subject rules, announce our whole interest, start pings.
    private func establishLeaf(_ leaf: LeafLink, peerDenyPublish: [String]) {
        leaf.handshakeTimer?.cancel()
        leaf.handshakeTimer = nil
        leaf.phase = .established
        state = .connected
        roundTripTime = NIODeadline.now() - connectionStarted
        leaf.applyRules(
            jetStreamEnabled: broker.configuration.jetStreamEnabled,
            domain: broker.configuration.jetStreamDomain,
            peerDenyPublish: peerDenyPublish
        )
        logger.info("\(logPrefix) - Leafnode connection created for account: \(account.name)")
        if let remote = leaf.remote {
            remote.update { status in
                status.state = .connected
                status.lastError = nil
            }
        }
        defer { leaf.remote?.forwardBuffer?.linkUp(self) }
        // Changes made from now on reach us through `leafInterestChanged`; those already queued
        // and the snapshot may name the same subscription, which the table counts once.
        var snapshot: [Subscription] = []
        account.forEachSubscription { snapshot.append($0) }
        for subscription in snapshot where shouldAnnounce(subscription, leaf: leaf) {
            _ = leaf.interest.add(subscription, subject: subscription.subject, queue: subscription.queue)
        }
        for update in leaf.interest.announcements { write(update) }
        flushNow()
        startPingTimer(first: true)
    }

    /// Whether `subscription` is interest this link announces: not the peer's own, not what one
    /// hub told us when we talk to another hub (a spoke passes on only local interest and that of
    /// the leafnodes below it), nothing the link's rules deny.
    private func shouldAnnounce(_ subscription: Subscription, leaf: LeafLink) -> Bool {
        if subscription.isClosed.load(ordering: .relaxed) || !subscription.isAnnounced { return false }
        if let owner = subscription.connection {
            if owner === self { return false }
            if leaf.isSolicited && owner.leaf?.isSolicited == true { return false }
        }
        return !leaf.deniesInterest(subscription.subject, queue: subscription.queue)
    }

    /// A subscription came or went in our account (called on our loop).
    func leafInterestChanged(_ subscription: Subscription, isAdded: Bool) {
        guard state != .closed, let leaf, leaf.isEstablished else { return }
        let update: LeafInterestTable<Subscription>.Update?
        if isAdded {
            guard shouldAnnounce(subscription, leaf: leaf) else { return }
            update = leaf.interest.add(subscription, subject: subscription.subject, queue: subscription.queue)
        } else {
            update = leaf.interest.remove(subscription)
        }
        if let update {
            write(update)
            markForFlush()
        }
    }

    private func write(_ update: LeafInterestTable<Subscription>.Update) {
        switch update {
        case .subscribe(let subject, let queue, let weight):
            if isTracing { trace("->> [LS+ \(subject)\(queue.map { " \($0) \(weight)" } ?? "")]") }
            outbound.writeLeafSubscribe(subject: subject, queue: queue, weight: weight)
        case .unsubscribe(let subject, let queue):
            if isTracing { trace("->> [LS- \(subject)\(queue.map { " \($0)" } ?? "")]") }
            outbound.writeLeafUnsubscribe(subject: subject, queue: queue)
        }
    }

    // MARK: LS+ / LS-

    private func processLeafSubscribe(_ op: LeafInterestOp, leaf: LeafLink) {
        let subject = String(buffer: op.subject)
        let queue = op.queue.map { String(buffer: $0) }
        if isTracing { trace("<<- [LS+ \(subject)\(queue.map { " \($0) \(op.weight)" } ?? "")]") }
        if subject == broker.loopDetectionSubject {
            let text = "Loop detected for leafnode account=\"\(account.name)\". Delaying attempt to reconnect for \(GoFormat.duration(nanoseconds: Self.leafLoopReconnectDelay.components.seconds * 1_000_000_000))"
            logger.error("\(logPrefix) - \(text)")
            sendError(text)
            leaf.remote?.delayNextAttempt(by: Self.leafLoopReconnectDelay)
            close(reason: .protocolViolation)
            return
        }
        let isValid = op.subject.withUnsafeReadableBytes { SubjectValidation.isValidSubject($0) }
            && (op.queue.map { $0.withUnsafeReadableBytes { SubjectValidation.isValidQueueName($0) } } ?? true)
        guard isValid else {
            logger.error("\(logPrefix) - Leafnode sent an invalid subject in LS+: \(subject)")
            return
        }
        // Interest the link can never serve is not taken (nats-server takes it and then refuses
        // to deliver; not taking it keeps it out of the subject index).
        if leaf.deniesPeerInterest(subject) { return }
        let key = queue.map { "\(subject) \($0)" } ?? subject
        // A queue's weight only says that members exist (it does not bias the choice in 2.9):
        // one subscription per group stands for them.
        guard subscriptions[key] == nil else { return }
        let subscription = Subscription(connection: self, subject: subject, queue: queue, sid: Array(key.utf8))
        do {
            try account.insert(subscription)
        } catch {
            logger.error("\(logPrefix) - Leafnode interest \(subject) not taken: \(error)")
            return
        }
        subscriptions[key] = subscription
        broker.subscriptionAdded(subscription, account: account)
    }

    private func processLeafUnsubscribe(_ op: LeafInterestOp) {
        let subject = String(buffer: op.subject)
        let queue = op.queue.map { String(buffer: $0) }
        if isTracing { trace("<<- [LS- \(subject)\(queue.map { " \($0)" } ?? "")]") }
        let key = queue.map { "\(subject) \($0)" } ?? subject
        if let subscription = subscriptions[key] { unsubscribe(subscription) }
    }

    // MARK: LMSG

    /// A message from the peer: to our subscribers and other links, never back; queue groups
    /// only if the peer named them; no no-responders status (only the publisher's server
    /// answers that).
    private func processLeafMessage(_ op: MessageOp, leaf: LeafLink) {
        inMessages.store(inMessages.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        inBytes.store(inBytes.load(ordering: .relaxed) &+ op.payloadCount, ordering: .relaxed)
        if isTracing {
            trace("<<- [LMSG \(String(buffer: op.subject))\(op.reply.map { " " + String(buffer: $0) } ?? "") \(op.payloadCount)]")
        }
        if !leaf.importDeny.isEmpty || leaf.importAllowBytes != nil {
            let allowed = op.subject.withUnsafeReadableBytes { leaf.mayReceive($0) }
            if !allowed { return }
        }
        let queues = op.queues
        // A JetStream delivery made on the other side: `<ack reply>@<stored subject>`.
        if let reply = op.reply, reply.readableBytes > 8, reply.getString(at: reply.readerIndex, length: 8) == "$JS.ACK.",
            let replyText = reply.getString(at: reply.readerIndex, length: reply.readableBytes),
            let at = replyText.lastIndex(of: "@")
        {
            let destination = String(buffer: op.subject)
            let presented = MessageOp(
                subject: String(replyText[replyText.index(after: at)...]),
                reply: String(replyText[..<at]),
                headers: op.headerLength.map { length in op.payload.getBytes(at: op.payload.readerIndex, length: length) ?? [] },
                payload: op.payload.getBytes(at: op.payload.readerIndex + (op.headerLength ?? 0), length: op.payloadCount - (op.headerLength ?? 0)) ?? []
            )
            let match = account.match(destination)
            _ = presented.withUnsafeParts { subject, reply, payload in
                deliver(match, presented, subject: subject, reply: reply, payload: payload, inboundQueues: queues)
            }
            return
        }
        _ = op.withUnsafeParts { subject, reply, payload in
            let match = account.match(subject)
            return deliver(match, op, subject: subject, reply: reply, payload: payload, inboundQueues: queues)
        }
    }

    /// Writes one message to the peer as `LMSG`/`HMSG` (our loop only). Subjects the link's
    /// rules deny are not sent; headers are dropped for a peer that does not support them.
    func writeToLeaf(subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, queues: [String], headerLength: Int?, payload: UnsafeRawBufferPointer) {
        guard state != .closed, let leaf, leaf.isEstablished else { return }
        if !leaf.mayPublish(subject) { return }
        var headerLength = headerLength
        var payload = payload
        if let length = headerLength, !headersEnabled {
            payload = UnsafeRawBufferPointer(rebasing: payload[length...])
            headerLength = nil
        }
        outbound.writeLeafMessage(subject: subject, reply: reply, queues: queues, headerLength: headerLength, payload: payload)
        if isTracing {
            trace("->> [LMSG \(String(decoding: subject, as: UTF8.self))\(reply.map { " " + String(decoding: $0, as: UTF8.self) } ?? "") \(payload.count)]")
        }
        outMessages.store(outMessages.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        outBytes.store(outBytes.load(ordering: .relaxed) &+ payload.count, ordering: .relaxed)
        if outbound.readableBytes >= Self.outboundFlushThreshold {
            if outbound.readableBytes > maxPending {
                slowConsumer(reason: .slowConsumerPendingBytes, pendingBytes: outbound.readableBytes)
                return
            }
            flushNow()
            return
        }
        markForFlush()
    }

    // MARK: -ERR

    private func processLeafError(_ text: String, leaf: LeafLink) {
        let message = text.trimmingQuotes
        logger.error("\(logPrefix) - Leafnode Error '\(message)'")
        if message.contains("Loop detected") || message.contains("same cluster name") {
            leaf.remote?.delayNextAttempt(by: Self.leafLoopReconnectDelay)
            logger.error("\(logPrefix) - Delaying attempt to reconnect for \(GoFormat.duration(nanoseconds: Self.leafLoopReconnectDelay.components.seconds * 1_000_000_000))")
        }
        leaf.remote?.recordFailure(message)
        close(reason: message == "Authorization Violation" ? .authenticationViolation : .protocolViolation)
    }

    /// Called from `close`: log it as nats-server does and tell the remote's dialer.
    func leafClosed(reason: CloseReason) {
        guard let leaf else { return }
        leaf.handshakeTimer?.cancel()
        leaf.handshakeTimer = nil
        let waiters = leaf.pongWaiters
        leaf.pongWaiters.removeAll()
        for waiter in waiters { waiter?(false) }
        leaf.remote?.forwardBuffer?.linkDown(self)
        logger.info("\(logPrefix) - Leafnode connection closed: \(reason.rawValue)")
        if let remote = leaf.remote {
            remote.update { status in
                status.state = .waiting
                if status.lastError == nil || leaf.isEstablished { status.lastError = reason.rawValue }
            }
        }
    }

    // MARK: - JSON

    /// The INFO a hub sends on its leafnode port; with `connectInfo`, the answer to CONNECT.
    func leafInfoJSON(connectInfo: Bool, nonce: String?) -> String {
        let configuration = broker.configuration
        let leafNodes = configuration.leafNodes
        let host = leafNodes?.acceptHost ?? configuration.host
        let port = leafNodes?.acceptPort ?? 0
        var json = broker.infoPreamble(host: host, port: port)
        json.add("auth_required", true)
        if let tls = leafNodes?.tls {
            json.add("tls_required", true)
            if tls.verifyClients { json.add("tls_verify", true) }
        }
        json.add("max_payload", configuration.maxPayload)
        if configuration.jetStreamEnabled { json.add("jetstream", true) }
        json.add("client_id", Int(id))
        if connectInfo {
            json.add("connect_info", true)
            json.add("remote_account", account.name)
        } else {
            if let nonce { json.add("nonce", nonce) }
            if configuration.jetStreamEnabled, let domain = configuration.jetStreamDomain, !domain.isEmpty { json.add("domain", domain) }
            json.add("info_on_connect", true)
            let advertised = leafNodes?.advertise ?? "\(host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : host):\(port)"
            json.add("leafnode_urls", strings: [advertised])
        }
        return json.finished()
    }

    /// The CONNECT a spoke sends, fields in nats-server's order (`leafConnectInfo`).
    func leafConnectJSON(url: LeafURL, remote: LeafRemote, nonce: String?) -> String {
        let configuration = broker.configuration
        var json = JSONWriter()
        json.add("version", BrokerConfiguration.protocolFeatureLevel)
        // One key signs the nonce: the credentials' user (its JWT names it), or the bare nkey.
        // Seeds were checked at start-up; the hub refuses a missing or bad signature.
        let credentials = remote.configuration.credentials
        if let seed = credentials?.seed ?? remote.configuration.nkeySeed, let keys = try? NKeys.KeyPair(seed: seed) {
            if let credentials { json.add("jwt", credentials.jwt) } else { json.add("nkey", keys.publicKey) }
            if let nonce { json.add("sig", NKeys.base64URL(keys.sign(Array(nonce.utf8)))) }
        }
        if let user = url.user { json.add("user", user) }
        if let password = url.password { json.add("pass", password) }
        json.add("tls_required", isTLS)
        json.add("server_id", configuration.serverID)
        if configuration.jetStreamEnabled, let domain = configuration.jetStreamDomain, !domain.isEmpty { json.add("domain", domain) }
        json.add("name", configuration.serverName)
        // nats-server: a server with remotes and no cluster takes its name as cluster name.
        json.add("cluster", configuration.serverName)
        json.add("headers", configuration.headersSupported)
        if configuration.jetStreamEnabled { json.add("jetstream", true) }
        if !remote.configuration.denyImports.isEmpty { json.add("deny_pub", strings: remote.configuration.denyImports) }
        return json.finished()
    }
}

/// The fields of a hub's INFO that a spoke uses.
struct LeafInfoMessage: Decodable {
    var serverID: String?
    var serverName: String?
    var headers: Bool?
    var clientID: UInt64?
    var leafnodeURLs: [String]?
    var infoOnConnect: Bool?
    var connectInfo: Bool?
    var nonce: String?
    var tlsRequired: Bool?
    var importPermissions: LeafHubPermissions.Lists?
    var exportPermissions: LeafHubPermissions.Lists?

    enum CodingKeys: String, CodingKey {
        case headers, nonce
        case importPermissions = "import"
        case exportPermissions = "export"
        case tlsRequired = "tls_required"
        case serverID = "server_id"
        case serverName = "server_name"
        case clientID = "client_id"
        case leafnodeURLs = "leafnode_urls"
        case infoOnConnect = "info_on_connect"
        case connectInfo = "connect_info"
    }
}

/// The fields of a spoke's CONNECT that a hub uses.
struct LeafConnectMessage: Decodable {
    var user: String?
    var password: String?
    var serverID: String?
    var name: String?
    var cluster: String?
    var headers: Bool?
    var denyPublish: [String]?
    var lang: String?
    var nkey: String?
    var signature: String?

    enum CodingKeys: String, CodingKey {
        case user, name, cluster, headers, lang, nkey
        case signature = "sig"
        case password = "pass"
        case serverID = "server_id"
        case denyPublish = "deny_pub"
    }
}

extension String {
    /// `'text'` → `text` (nats-server quotes its `-ERR` texts).
    fileprivate var trimmingQuotes: String {
        var text = Substring(self).drop { $0 == " " }
        if text.hasPrefix("'") { text = text.dropFirst() }
        if text.hasSuffix("'") { text = text.dropLast() }
        return String(text)
    }
}
