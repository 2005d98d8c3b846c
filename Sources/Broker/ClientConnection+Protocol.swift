import Dispatch
import NIOCore
import NATSWire
import Subjects

/// Handling of each client operation (nats-server `server/client.go`: processConnect,
/// processSub, processUnsub, processPing, processPong).
extension ClientConnection {
    /// Handles one parsed operation. Returns `false` once the connection is closed.
    @inline(__always)
    func handle(_ op: ProtocolOp) -> Bool {
        if isLeaf { return handleLeaf(op) }
        if state == .awaitingConnect, broker.requiresConnectFirst {
            if case .connect = op {
                // fine
            } else if !bindNoAuthUserWithoutConnect() {
                authorizationViolation()
                return false
            }
        }
        switch op {
        case .publish(let publish):
            processPublish(publish)
        case .subscribe(let subscribe):
            processSubscribe(subscribe)
        case .unsubscribe(let unsubscribe):
            processUnsubscribe(unsubscribe)
        case .ping:
            processPing()
        case .pong:
            if isTracing { trace("<<- [PONG]") }
            processPong()
        case .connect(let json):
            processConnect(json)
        case .info(let json):
            // Clients have no business sending INFO; the reference ignores a well-formed one.
            if !ConnectOptions.isJSONObject(json.readableBytesView) {
                logger.error("\(logPrefix) - invalid INFO JSON from client")
                close(reason: .protocolViolation)
            }
        case .ok:
            break
        case .message, .leafMessage, .leafSubscribe, .leafUnsubscribe:
            // Not in the client dialect: the parser never returns these to a client connection.
            break
        case .error(let text):
            logger.error("\(logPrefix) - Client Error \(String(buffer: text))")
            close(reason: .parseError)
        }
        return state != .closed && !isPaused
    }

    /// A protocol error from the parser: tell the client what the reference tells it (some
    /// errors are not told at all), log it, close.
    func protocolError(_ error: ProtocolError) {
        let reason: CloseReason
        switch error.code {
        case .maxControlLineExceeded: reason = .maxControlLineExceeded
        case .maxPayloadExceeded: reason = .maxPayloadExceeded
        default: reason = .protocolViolation
        }
        if error.code == .unknownOperation {
            logger.error("\(logPrefix) - Client parser ERROR: \(error.detail)")
        } else {
            logger.error("\(logPrefix) - \(error.detail)")
        }
        if let text = error.wireText { sendError(text) }
        close(reason: reason)
    }

    // MARK: CONNECT

    func processConnect(_ json: ByteBuffer) {
        if isTracing { trace("<<- [CONNECT \(Self.redactingSecrets(String(buffer: json)))]") }
        authTimeoutTask?.cancel()
        authTimeoutTask = nil
        let decoded: ConnectOptions
        do {
            decoded = try options.updated(with: json.readableBytesView)
        } catch {
            // The reference closes without a word to the client.
            logger.error("\(logPrefix) - invalid CONNECT JSON: \(error)")
            close(reason: .protocolViolation)
            return
        }
        options = decoded
        echo = decoded.echo
        headersEnabled = broker.configuration.headersSupported && decoded.headers
        if let description = decoded.logDescription {
            logPrefix = "\(remoteHost):\(remotePort) - cid:\(id) - \"\(description)\""
        }

        // Choosing an account in CONNECT is refused (nats-server: "now considered an error").
        guard decoded.account == nil, !decoded.newAccount else {
            authorizationViolation(decoded)
            return
        }
        // This connection reads nothing more until its credentials are checked.
        isPaused = true
        authenticate(decoded) { client in
            self.isPaused = false
            guard self.state != .closed else { return }
            self.finishConnect(decoded, client: client)
            if self.state != .closed { self.resumeReading?() }
        }
    }

    /// Checks `options` and calls `body` on our loop with who they prove to be (nil: refused):
    /// at once, or — when that means a bcrypt hash, whose work factor costs 0.1 s and more on a
    /// Pi — after hashing off the event loop, so the other connections on it go on.
    private func authenticate(_ options: ConnectOptions, then body: @escaping @Sendable (AuthenticatedClient?) -> Void) {
        // On a verify_and_map listener a certificate that could not be read names nobody.
        let certificate = mapsCertificateToUser ? (certificateIdentity ?? CertificateIdentity()) : nil
        guard broker.needsSlowPasswordCheck(options, certificate: certificate) else {
            body(broker.authenticate(options, nonce: sentNonce, connectionType: connectionType, certificate: certificate))
            return
        }
        let broker = self.broker
        let nonce = sentNonce
        let type = connectionType
        DispatchQueue.global().async {
            let client = broker.authenticate(options, nonce: nonce, connectionType: type, certificate: certificate)
            self.eventLoop.execute { body(client) }
        }
    }

    /// The rest of CONNECT, once the credentials are checked (`client` nil: refused).
    private func finishConnect(_ decoded: ConnectOptions, client: AuthenticatedClient?) {
        guard let client,
            state != .connected || client.account === account  // a second CONNECT may not move the connection
        else {
            authorizationViolation(decoded)
            return
        }
        adopt(client)
        removeSubscriptionsNoLongerPermitted()

        if decoded.protocolVersion < 0 || decoded.protocolVersion > 1 {
            logger.error("\(logPrefix) - invalid client protocol")
            sendError("invalid client protocol")
            close(reason: .badClientProtocol)
            return
        }
        if decoded.noResponders && !headersEnabled {
            logger.error("\(logPrefix) - no responders requires headers support")
            sendError("no responders requires headers support")
            close(reason: .noRespondersRequiresHeaders)
            return
        }
        let wasConnected = state == .connected
        state = .connected
        if decoded.verbose { sendOK() }
        if !wasConnected {
            roundTripTime = NIODeadline.now() - connectionStarted
            startPingTimer(first: true)
        }
    }

    /// The CONNECT JSON for trace lines, with passwords and tokens hidden as the reference does.
    static func redactingSecrets(_ json: String) -> String {
        var bytes = Array(json.utf8)
        for key in [Array("\"pass\":".utf8), Array("\"auth_token\":".utf8)] {
            var index = 0
            while index + key.count <= bytes.count {
                guard bytes[index..<(index + key.count)].elementsEqual(key) else {
                    index += 1
                    continue
                }
                var start = index + key.count
                while start < bytes.count && bytes[start] == UInt8(ascii: " ") { start += 1 }
                guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else { break }
                var end = start + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: "\"") {
                    end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard end < bytes.count else { break }
                let replacement = Array("\"[REDACTED]\"".utf8)
                bytes.replaceSubrange(start...end, with: replacement)
                index = start + replacement.count
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// After a reload: the CONNECT this connection sent is checked against the new users (an
    /// nkey's signature of our nonce still holds). Refused now, or bound to another account,
    /// it is closed (silently, as nats-server does); allowed, it takes its user's new permissions, and subscriptions those no
    /// longer allow are removed. On our loop.
    func reauthorize() {
        guard state == .connected, !isLeaf else { return }
        authenticate(options) { client in
            guard self.state == .connected else { return }
            guard let client, client.account === self.account else {
                // nats-server closes such a client without a word to it.
                self.logger.error("\(self.logPrefix) - no longer authorized after a configuration reload")
                self.close(reason: .authenticationViolation)
                return
            }
            self.adopt(client)
            self.removeSubscriptionsNoLongerPermitted()
        }
    }

    /// After new permissions (a reload, or a second CONNECT as another user of the account).
    private func removeSubscriptionsNoLongerPermitted() {
        guard let permissions, !subscriptions.isEmpty else { return }
        for subscription in Array(subscriptions.values) where !permissions.maySubscribe(subject: subscription.subject, queue: subscription.queue) {
            logger.debug("\(logPrefix) - subscription to \"\(subscription.subject)\" removed: no longer permitted")
            unsubscribe(subscription)
        }
    }

    /// Binds the connection to its account and user's permissions.
    private func adopt(_ client: AuthenticatedClient) {
        account = client.account
        resultCache.removeAll()
        permissions = client.user?.permissions.map(ClientPermissions.init)
        userLogName = client.user?.logName
    }

    /// `no_auth_user` lets a client skip CONNECT (telnet demos): bind it as that user.
    private func bindNoAuthUserWithoutConnect() -> Bool {
        guard let client = broker.noAuthUserClient(connectionType: connectionType) else { return false }
        adopt(client)
        authTimeoutTask?.cancel()
        authTimeoutTask = nil
        state = .connected
        startPingTimer(first: true)
        return true
    }

    func authorizationViolation(_ offered: ConnectOptions? = nil) {
        // Who tried, as the reference logs it; never the password, token or signature.
        if let nkey = offered?.nkey {
            logger.error("\(logPrefix) - authentication error - Nkey \"\(nkey)\"")
        } else if let user = offered?.user {
            logger.error("\(logPrefix) - authentication error - User \"\(user)\"")
        } else {
            logger.error("\(logPrefix) - authentication error")
        }
        sendError("Authorization Violation")
        close(reason: .authenticationViolation)
    }

    // MARK: PING / PONG

    func processPing() {
        if isTracing { trace("<<- [PING]") }
        if isTracing { trace("->> [PONG]") }
        outbound.writePong()
        markForFlush()
        lastPingReceived = .now()
    }

    func processPong() {
        pingsOutstanding = 0
        if let sentAt = pingSentAt {
            roundTripTime = NIODeadline.now() - sentAt
            pingSentAt = nil
        }
    }

    // MARK: SUB / UNSUB

    func processSubscribe(_ op: SubscribeOp) {
        if isTracing {
            let queue = op.queue.map { " " + String(buffer: $0) } ?? ""
            trace("<<- [SUB \(String(buffer: op.subject))\(queue) \(String(buffer: op.sid))]")
        }
        let sid = String(buffer: op.sid)
        if subscriptions[sid] != nil {
            // nats-server keeps the existing subscription for a repeated sid.
            if options.verbose { sendOK() }
            return
        }
        let subject = String(buffer: op.subject)
        let isValidSubject = op.subject.withUnsafeReadableBytes { SubjectValidation.isValidSubject($0) }
        let isValidQueue = op.queue.map { $0.withUnsafeReadableBytes { SubjectValidation.isValidQueueName($0) } } ?? true
        guard isValidSubject && isValidQueue else {
            sendError("Invalid Subject")
            return
        }
        let queue = op.queue.map { String(buffer: $0) }
        if let permissions, !permissions.maySubscribe(subject: subject, queue: queue) {
            subscriptionViolation(subject: subject, queue: queue, sid: sid)
            return
        }
        let maxSubscriptions = broker.configuration.maxSubscriptions
        if maxSubscriptions > 0 && subscriptions.count >= maxSubscriptions {
            logger.error("\(logPrefix) - maximum subscriptions exceeded")
            sendError("maximum subscriptions exceeded")
            return
        }
        let subscription = Subscription(
            connection: self,
            subject: subject,
            queue: queue,
            sid: Array(op.sid.readableBytesView)
        )
        do {
            try account.insert(subscription)
        } catch {
            sendError("Invalid Subject")
            return
        }
        subscriptions[sid] = subscription
        broker.subscriptionAdded(subscription, account: account)
        if options.verbose { sendOK() }
    }

    /// nats-server's answer to a refused SUB: an error, a log line, and the connection stays.
    private func subscriptionViolation(subject: String, queue: String?, sid: String) {
        let user = userLogName ?? "User \"\""
        if let queue {
            logger.error("\(logPrefix) - Subscription Violation - \(user), Subject \"\(subject)\", Queue: \"\(queue)\", SID \(sid)")
            sendError("Permissions Violation for Subscription to \"\(subject)\" using queue \"\(queue)\"")
        } else {
            logger.error("\(logPrefix) - Subscription Violation - \(user), Subject \"\(subject)\", SID \(sid)")
            sendError("Permissions Violation for Subscription to \"\(subject)\"")
        }
    }

    func processUnsubscribe(_ op: UnsubscribeOp) {
        if isTracing {
            let maximum = op.maxMessages.map { " \($0)" } ?? ""
            trace("<<- [UNSUB \(String(buffer: op.sid))\(maximum)]")
        }
        let sid = String(buffer: op.sid)
        if let subscription = subscriptions[sid] {
            if let maximum = op.maxMessages, maximum > 0, maximum > subscription.delivered {
                subscription.maxMessages = maximum
            } else {
                unsubscribe(subscription)
            }
        }
        if options.verbose { sendOK() }
    }

    func unsubscribe(_ subscription: Subscription) {
        guard subscriptions.removeValue(forKey: subscription.sidString) != nil else { return }
        subscription.isClosed.store(true, ordering: .relaxed)
        account.remove(subscription)
        broker.subscriptionRemoved(subscription, account: account)
    }

    // MARK: Ping timer

    /// nats-server pings a client first after about 2 s (plus up to 20% jitter), then every
    /// `ping_interval`, skipping a ping when the client was active within the interval; with
    /// `ping_max` pings unanswered the connection is stale.
    func startPingTimer(first: Bool) {
        pingTask?.cancel()
        var interval = TimeAmount(broker.configuration.pingInterval)
        if first && interval > .seconds(2) { interval = .seconds(2) }
        let jitter = Int64(deliveryLoop.nextRandom() % UInt64(max(1, interval.nanoseconds / 5)))
        interval = interval + .nanoseconds(jitter)
        pingTask = eventLoop.scheduleTask(in: interval) { [self] in
            pingTimerFired()
        }
    }

    private func pingTimerFired() {
        pingTask = nil
        guard state != .closed else { return }
        let now = NIODeadline.now()
        let interval = TimeAmount(broker.configuration.pingInterval)
        let recentlyActive = now - lastActivity < interval || now - lastPingReceived < interval
        // A spoke always pings its hub: that is how a dead uplink is found (nats-server does
        // the same); busy traffic must not hide a link that stopped answering.
        let alwaysPing = leaf?.isSolicited == true
        if !recentlyActive || roundTripTime == .zero || alwaysPing {
            if pingsOutstanding + 1 > broker.configuration.pingMaxOutstanding {
                logger.debug("\(logPrefix) - Stale \(isLeaf ? "Leafnode" : "Client") Connection - Closing")
                sendError("Stale Connection")
                close(reason: .staleConnection)
                return
            }
            if isTracing { trace("->> [PING]") }
            outbound.writePing()
            leaf?.pongWaiters.append(nil)
            pingsOutstanding += 1
            pingSentAt = now
            markForFlush()
        }
        startPingTimer(first: false)
    }
}
