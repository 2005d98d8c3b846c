import Broker
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// The WebSocket listener (`websocket { }`): an HTTP/1.1 upgrade, then the NATS protocol in
/// WebSocket frames, carried by the same client session as the client port. As in
/// nats-server, the server sends binary frames, accepts binary and text frames, and a frame
/// boundary means nothing to the protocol.
enum WebSocketListener {
    static func bind(
        group: any EventLoopGroup, configuration: WebSocketConfiguration, maxPayload: Int,
        brokerBox: @escaping @Sendable () -> Broker?, logger: Logger
    ) async throws -> any Channel {
        // A frame may hold a whole message and its control line; clients rarely send more.
        let maxFrameSize = min(Int(UInt32.max), maxPayload * 2 + 64 * 1024)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Accepting starts with the other listeners, once the server is ready.
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let broker = brokerBox() else { throw ChannelError.ioOnClosedChannel }
                    let operations = channel.pipeline.syncOperations
                    if let tls = configuration.tls {
                        try operations.addHandler(NIOSSLServerHandler(context: tls.context))
                    }
                    let upgrade = UpgradeState()
                    let refusal = PlainRequestRefusal()
                    let upgrader = NIOWebSocketServerUpgrader(
                        maxFrameSize: maxFrameSize,
                        automaticErrorHandling: true,
                        shouldUpgrade: { channel, head in
                            let allowed = OriginCheck.allows(head.headers, configuration: configuration)
                            if !allowed { logger.error("websocket: origin not allowed: \(head.headers.first(name: "origin") ?? "")") }
                            return channel.eventLoop.makeSucceededFuture(allowed ? HTTPHeaders() : nil)
                        },
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                upgrade.isDone = true
                                try channel.pipeline.syncOperations.addHandler(WebSocketNATSAdapter())
                                try channel.pipeline.syncOperations.addHandler(
                                    ClientSession.channelHandler(host: broker, logger: logger, webSocket: true))
                            }
                        }
                    )
                    try operations.configureHTTPServerPipeline(
                        withServerUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                context.pipeline.syncOperations.removeHandler(refusal, promise: nil)
                            }
                        ),
                        withErrorHandling: true
                    )
                    try operations.addHandler(refusal)
                    // A client that opens the socket and never upgrades is closed.
                    channel.eventLoop.scheduleTask(in: TimeAmount(configuration.handshakeTimeout)) {
                        if !upgrade.isDone { channel.close(promise: nil) }
                    }
                }
            }
            .bind(host: configuration.host, port: configuration.port == -1 ? 0 : configuration.port)
            .get()
    }
}

/// Whether the upgrade happened (read and written on the channel's loop only).
private final class UpgradeState: @unchecked Sendable {
    var isDone = false
}

/// nats-server's origin rules: a request without `Origin` (not a browser) is let in; with
/// `same_origin`, the origin's host and port must be the `Host` the client connected to; with
/// `allowed_origins`, the origin must be one of them.
enum OriginCheck {
    static func allows(_ headers: HTTPHeaders, configuration: WebSocketConfiguration) -> Bool {
        guard configuration.sameOrigin || !configuration.allowedOrigins.isEmpty else { return true }
        guard let originText = headers.first(name: "origin"), let origin = Origin(originText) else {
            return headers.first(name: "origin") == nil
        }
        if configuration.sameOrigin {
            guard let host = headers.first(name: "host"), let target = Origin("\(origin.scheme)://\(host)"),
                target.host == origin.host && target.port == origin.port
            else { return false }
        }
        if !configuration.allowedOrigins.isEmpty {
            return configuration.allowedOrigins.compactMap(Origin.init).contains(origin)
        }
        return true
    }

    struct Origin: Equatable {
        let scheme: String
        let host: String
        let port: Int

        init?(_ text: String) {
            let parts = text.lowercased().split(separator: "://", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            scheme = String(parts[0])
            var rest = parts[1]
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            let defaultPort = ["https", "wss"].contains(scheme) ? 443 : 80
            if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]"), let port = Int(rest[rest.index(after: colon)...]) {
                host = String(rest[..<colon])
                self.port = port
            } else {
                host = String(rest)
                port = defaultPort
            }
            guard !host.isEmpty else { return nil }
        }
    }
}

/// Frames to bytes and back: the NATS protocol handler below sees a plain byte stream.
final class WebSocketNATSAdapter: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private var isClosing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .text, .continuation:
            context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            // Answer the close handshake, then close the socket.
            guard !isClosing else { return context.close(promise: nil) }
            isClosing = true
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1000
            var payload = context.channel.allocator.buffer(capacity: 2)
            payload.writeInteger(code)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload))).whenComplete { _ in
                channel.close(promise: nil)
            }
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .binary, data: bytes)), promise: promise)
    }
}

/// Answers a request that is not a WebSocket upgrade: 400, then close.
final class PlainRequestRefusal: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        let body = "this port accepts WebSocket connections only\n"
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
