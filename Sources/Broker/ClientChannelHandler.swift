import NIOCore
import NIOSSL
import NIOTLS
import Logging
import NATSWire

/// The NIO glue of a client connection: feeds reads to the parser and each operation to the
/// ``ClientConnection``. Nothing else happens here.
package final class ClientChannelHandler: ChannelInboundHandler {
    package typealias InboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    private let broker: Broker
    private let logger: Logger
    private var parser: ProtocolParser
    private var connection: ClientConnection?
    private let leafRole: LeafLink.Role?
    /// Added to a WebSocket channel after its HTTP upgrade: the channel is already active.
    private let isWebSocket: Bool

    /// - Parameter webSocket: the handler goes behind a WebSocket frame adapter, added once the
    ///   upgrade is done; the connection starts when it is added.
    package init(broker: Broker, logger: Logger, webSocket: Bool = false) {
        self.broker = broker
        self.logger = logger
        self.leafRole = nil
        self.isWebSocket = webSocket
        self.parser = ProtocolParser(
            limits: .init(maxControlLine: broker.configuration.maxControlLine, maxPayload: broker.configuration.maxPayload)
        )
    }

    /// A leafnode link: accepted on the leafnode port (`remote` nil) or dialled to `remote`.
    package init(broker: Broker, logger: Logger, leafnodeRemote remote: (LeafRemote, LeafURL)?) {
        self.broker = broker
        self.logger = logger
        self.leafRole = remote.map { .solicited($0.0, $0.1) } ?? .accepted
        self.isWebSocket = false
        // Interest lines carry long subjects (a hub's whole account); the payload limit is ours.
        self.parser = ProtocolParser(
            dialect: .leaf,
            limits: .init(maxControlLine: max(broker.configuration.maxControlLine, 64 * 1024), maxPayload: broker.configuration.maxPayload)
        )
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if isWebSocket && context.channel.isActive { startConnection(context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        if connection == nil { startConnection(context: context) }
        context.fireChannelActive()
    }

    private func startConnection(context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress
        let connection = ClientConnection(
            id: broker.makeConnectionID(),
            broker: broker,
            eventLoop: context.eventLoop,
            deliveryLoop: broker.deliveryLoop(for: context.eventLoop),
            remoteHost: remote?.ipAddress ?? "unknown",
            remotePort: remote?.port ?? 0,
            logger: logger,
            leafRole: leafRole
        )
        connection.isWebSocket = isWebSocket
        self.connection = connection
        connection.start(context: context)
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection, connection.state != .closed else { return }
        parser.append(unwrapInboundIn(data))
        connection.isTracing = logger.logLevel <= .trace
        connection.lastActivity = .now()
        if connection.isPaused { return }  // kept in the parser until the CONNECT check is done
        parseBuffered(context: context, connection: connection)
    }

    private func parseBuffered(context: ChannelHandlerContext, connection: ClientConnection) {
        do {
            while let op = try parser.next() {
                if !connection.handle(op) {
                    if connection.isPaused { pause(context: context, connection: connection) }
                    return
                }
            }
        } catch {
            connection.protocolError(error)
        }
    }

    /// Stops reading from the socket until the connection resumes us.
    private func pause(context: ChannelHandlerContext, connection: ClientConnection) {
        _ = context.channel.setOption(ChannelOptions.autoRead, value: false)
        connection.resumeReading = { [self] in
            connection.resumeReading = nil
            parseBuffered(context: context, connection: connection)
            if !connection.isPaused && connection.state != .closed {
                _ = context.channel.setOption(ChannelOptions.autoRead, value: true)
                context.read()
            }
        }
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection?.writabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        connection?.close(reason: .clientClosed)
        connection = nil
        context.fireChannelInactive()
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let connection {
            if error is NIOSSLError || error is BoringSSLError {
                // A bad handshake, plain text on a TLS port, an untrusted certificate.
                logger.error("\(connection.logPrefix) - TLS \(connection.isLeaf ? "leafnode " : "")handshake error: \(error)")
                connection.close(reason: .tlsHandshakeError)
            } else {
                logger.debug("\(connection.logPrefix) - read error: \(error)")
                connection.close(reason: .readError)
            }
        }
        context.close(promise: nil)
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            connection?.close(reason: .clientClosed)
        }
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            connection?.tlsHandshakeCompleted(protocol: negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
