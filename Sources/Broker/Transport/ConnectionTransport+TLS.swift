import NIOCore
import NIOSSL

/// Turning a connection to TLS, as nats-server does it: on a listener, after the plain INFO
/// (or before anything with `handshake_first`); to a hub, after its INFO and before CONNECT.
/// The handler goes in front of the pipeline on the event loop, between two reads, so no byte
/// after the switch is read as plain text. A handshake that does not finish in time, or fails,
/// ends this connection only.
extension ConnectionTransport {
    /// Starts the server side of the handshake. Returns false (and closes) if it could not.
    /// With `capturingPeerCertificate`, the client's certificate is kept for the session
    /// (`verify_and_map`).
    func beginServerTLS(_ tls: ServerTLS) -> Bool {
        capturesPeerCertificate = tls.mapsCertificateToUser
        return addTLSHandler(timeout: tls.handshakeTimeout) { NIOSSLServerHandler(context: tls.context) }
    }

    /// `allow_non_tls`: called with the connection's first read. A TLS record (a ClientHello
    /// starts with 0x16, a byte no protocol's first operation starts with) turns the connection
    /// to TLS and the read goes through the handshake; anything else is served in plain text.
    /// Returns whether the read was taken.
    func takeFirstReadForTLS(_ data: NIOAny, _ bytes: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        guard let tls = tlsOnClientHello else { return false }
        tlsOnClientHello = nil
        guard bytes.readableBytes > 0, bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 0x16 else { return false }
        if beginServerTLS(tls) { context.pipeline.syncOperations.fireChannelRead(data) }
        return true
    }

    /// Starts the client side of the handshake with a hub at `host`.
    func beginClientTLS(_ tls: ClientTLS, host: String) -> Bool {
        addTLSHandler(timeout: tls.handshakeTimeout) {
            try NIOSSLClientHandler(context: tls.context, serverHostname: tls.expectedName(for: host))
        }
    }

    private func addTLSHandler(timeout: Duration, _ makeHandler: () throws -> any ChannelHandler) -> Bool {
        eventLoop.assertInEventLoop()
        guard let context else { return false }
        do {
            try context.pipeline.syncOperations.addHandler(try makeHandler(), position: .first)
        } catch {
            logger.error("\(logPrefix) - TLS handshake error: \(error)")
            close(reason: .tlsHandshakeError)
            return false
        }
        isTLS = true
        tlsHandshakeTask = eventLoop.scheduleTask(in: TimeAmount(timeout)) { [self] in
            logger.error("\(logPrefix) - TLS handshake timeout")
            close(reason: .tlsHandshakeError)
        }
        return true
    }

    /// NIOSSL's `handshakeCompleted` event.
    func tlsHandshakeCompleted(protocol version: String?) {
        tlsHandshakeTask?.cancel()
        tlsHandshakeTask = nil
        logger.debug("\(logPrefix) - TLS handshake complete\(version.map { " (\($0))" } ?? "")")
        if capturesPeerCertificate, let certificate = try? context?.pipeline.syncOperations.nioSSL_peerCertificate() {
            peerCertificate = try? certificate.toDERBytes()
        }
    }
}

extension ClientTLS {
    /// For a hub that requires TLS when the remote configured none: the system's trust roots
    /// and full verification, as nats-server does.
    static func systemDefault() -> ClientTLS? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12  // as nats-server
        guard let context = try? NIOSSLContext(configuration: configuration) else { return nil }
        return ClientTLS(context: context, serverName: nil, handshakeTimeout: .seconds(2))
    }
}
