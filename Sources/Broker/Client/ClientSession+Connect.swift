import NATSWire
import NIOCore

/// The operations of a client and CONNECT (nats-server `server/client.go`: processConnect,
/// processPing, processPong).
extension ClientSession {
    /// Handles one parsed operation. Returns `false` once the connection is closed or reading is
    /// paused.
    @inline(__always)
    package func handle(_ operation: ProtocolOp) -> Bool {
        transport.eventLoop.assertInEventLoop()
        if state == .awaitingConnect, host.authentication.isRequired {
            if case .connect = operation {
                // fine
            } else if !bindNoAuthUserWithoutConnect() {
                authorizationViolation()
                return false
            }
        }
        switch operation {
        case .publish(let publish):
            processPublish(publish)
        case .subscribe(let subscribe):
            processSubscribe(subscribe)
        case .unsubscribe(let unsubscribe):
            processUnsubscribe(unsubscribe)
        case .ping:
            transport.answerPing()
        case .pong:
            if transport.isTracing { transport.trace("<<- [PONG]") }
            transport.pongReceived()
        case .connect(let json):
            processConnect(json)
        case .info(let json):
            // Clients have no business sending INFO; the reference ignores a well-formed one.
            if !ConnectOptions.isJSONObject(json.readableBytesView) {
                logger.error("\(transport.logPrefix) - invalid INFO JSON from client")
                close(reason: .protocolViolation)
            }
        case .ok:
            break
        case .message, .leafMessage, .leafSubscribe, .leafUnsubscribe:
            // Not in the client dialect: the parser never returns these to a client connection.
            break
        case .error(let text):
            logger.error("\(transport.logPrefix) - Client Error \(String(buffer: text))")
            close(reason: .parseError)
        }
        return state != .closed && !transport.isReadingPaused
    }

    package func parseFailed(_ error: ProtocolError) {
        transport.closeForProtocolError(error)
    }

    // MARK: CONNECT

    func processConnect(_ json: ByteBuffer) {
        if transport.isTracing { transport.trace("<<- [CONNECT \(Self.redactingSecrets(String(buffer: json)))]") }
        authTimeoutTask?.cancel()
        authTimeoutTask = nil
        let decoded: ConnectOptions
        do {
            decoded = try options.updated(with: json.readableBytesView)
        } catch {
            // The reference closes without a word to the client.
            logger.error("\(transport.logPrefix) - invalid CONNECT JSON: \(error)")
            close(reason: .protocolViolation)
            return
        }
        options = decoded
        echo = decoded.echo
        headersEnabled = limits.headersSupported && decoded.headers
        if let description = decoded.logDescription {
            transport.setPeerDescription(description, idLabel: "cid")
        }

        // Choosing an account in CONNECT is refused (nats-server: "now considered an error").
        guard decoded.account == nil, !decoded.newAccount else {
            authorizationViolation(decoded)
            return
        }
        // This connection reads nothing more until its credentials are checked.
        transport.pauseReading()
        authenticate(decoded) { client in
            guard self.state != .closed else { return }
            self.finishConnect(decoded, client: client)
            self.transport.resumeReading()
        }
    }

    /// The certificate's view of the user on a `verify_and_map` listener (one that could not be
    /// read names nobody); nil elsewhere.
    private var mappedCertificate: CertificateIdentity? {
        guard mapsCertificateToUser else { return nil }
        return transport.peerCertificate.flatMap(CertificateIdentity.init(der:)) ?? CertificateIdentity()
    }

    /// Checks `options` and calls `body` on our loop with who they prove to be (nil: refused):
    /// at once, or — when that means a bcrypt hash, whose work factor costs 0.1 s and more on a
    /// Pi — after hashing on the broker's bounded password pool, so the other connections on
    /// this loop go on.
    private func authenticate(_ options: ConnectOptions, then body: @escaping @Sendable (AuthenticatedClient?) -> Void) {
        let certificate = mappedCertificate
        let host = self.host
        let nonce = sentNonce
        let type = connectionType
        guard host.needsSlowPasswordCheck(options, certificate: certificate) else {
            body(host.authenticate(options, nonce: nonce, connectionType: type, certificate: certificate))
            return
        }
        host.checkCredentials(on: transport.eventLoop, refusal: nil) {
            host.authenticate(options, nonce: nonce, connectionType: type, certificate: certificate)
        } then: { client in
            body(client)
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
            logger.error("\(transport.logPrefix) - invalid client protocol")
            sendError("invalid client protocol")
            close(reason: .badClientProtocol)
            return
        }
        if decoded.noResponders && !headersEnabled {
            logger.error("\(transport.logPrefix) - no responders requires headers support")
            sendError("no responders requires headers support")
            close(reason: .noRespondersRequiresHeaders)
            return
        }
        let wasConnected = state == .connected
        state = .connected
        if decoded.verbose { sendOK() }
        if !wasConnected {
            transport.handshakeCompleted()
            startLiveness()
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
    /// it is closed (silently, as nats-server does); allowed, it takes its user's new
    /// permissions, and subscriptions those no longer allow are removed. On our loop.
    package func reauthorize(then done: @escaping @Sendable () -> Void) {
        transport.eventLoop.assertInEventLoop()
        guard state == .connected else { return done() }
        authenticate(options) { client in
            defer { done() }
            guard self.state == .connected else { return }
            guard let client, client.account === self.account else {
                // nats-server closes such a client without a word to it.
                self.logger.error("\(self.transport.logPrefix) - no longer authorized after a configuration reload")
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
        for subscription in Array(subscriptions.values)
        where !permissions.maySubscribe(subject: subscription.subject, queue: subscription.queue) {
            logger.debug("\(transport.logPrefix) - subscription to \"\(subscription.subject)\" removed: no longer permitted")
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
        guard let client = host.noAuthUserClient(connectionType: connectionType) else { return false }
        adopt(client)
        authTimeoutTask?.cancel()
        authTimeoutTask = nil
        state = .connected
        startLiveness()
        return true
    }

    func authorizationViolation(_ offered: ConnectOptions? = nil) {
        // Who tried, as the reference logs it; never the password, token or signature.
        if let nkey = offered?.nkey {
            logger.error("\(transport.logPrefix) - authentication error - Nkey \"\(nkey)\"")
        } else if let user = offered?.user {
            logger.error("\(transport.logPrefix) - authentication error - User \"\(user)\"")
        } else {
            logger.error("\(transport.logPrefix) - authentication error")
        }
        sendError("Authorization Violation")
        close(reason: .authenticationViolation)
    }
}
