import Logging
import NATSWire
import NIOCore
import NIOSSL
import NIOTLS

/// An incremental parser of one protocol (`append` each read, `next` until it returns `nil`).
package protocol OperationParser {
    associatedtype Operation
    associatedtype Failure: Error
    mutating func append(_ bytes: ByteBuffer)
    mutating func next() throws(Failure) -> Operation?
}

extension ProtocolParser: OperationParser {}

/// One protocol spoken over a ``ConnectionTransport``: the NATS client session, the leafnode
/// session; a new protocol is a new conforming type and a listener, nothing else.
package protocol ProtocolSession: TransportDelegate {
    associatedtype Parser: OperationParser
    var transport: ConnectionTransport { get }
    /// The channel is up (the transport has its context): greet the peer, start timers.
    func start()
    /// Handles one operation. Returns `false` to stop parsing: the connection closed, or reading
    /// is paused (``ConnectionTransport/pauseReading()``).
    func handle(_ operation: Parser.Operation) -> Bool
    /// The parser refused what the peer sent; the session says what the reference says, then
    /// closes.
    func parseFailed(_ error: Parser.Failure)
}

/// A session joined to its channel: what the channel handler calls, with the protocol's types
/// erased once per connection. The closures are made by ``make(session:parser:context:)``,
/// generic code that the compiler specialises for each protocol where it is called, so the work
/// per operation (parse, handle) is direct calls; only each read goes through a closure.
package struct SessionBinding {
    let transport: ConnectionTransport
    let start: () -> Void
    /// Feeds one read to the parser and hands the session every operation it completes.
    let read: (ByteBuffer) -> Void

    /// Binds `session` to the channel of `context`, its transport's.
    @inline(__always)
    package static func make<Session: ProtocolSession>(
        session: Session, parser: Session.Parser, context: ChannelHandlerContext
    ) -> SessionBinding {
        let box = ParserBox(parser)
        let transport = session.transport
        transport.delegate = session
        transport.attach(context)
        /// Hands every complete operation to the session until it says stop; a pause stops the
        /// socket's reads too until the session resumes them.
        @inline(__always) func parseBuffered() {
            do {
                while let operation = try box.parser.next() {
                    if !session.handle(operation) { break }
                }
            } catch {
                session.parseFailed(error)
            }
            if transport.isReadingPaused && !transport.isClosed {
                transport.isHandlerWaitingToResume = true
                _ = context.channel.setOption(ChannelOptions.autoRead, value: false)
            }
        }
        // Released when the transport closes (it clears the closure), which ends the cycle
        // transport -> closure -> session -> transport.
        transport.readingResumed = {
            parseBuffered()
            if !transport.isReadingPaused && !transport.isClosed {
                _ = context.channel.setOption(ChannelOptions.autoRead, value: true)
                context.read()
            }
        }
        return SessionBinding(
            transport: transport,
            start: { session.start() },
            read: { bytes in
                box.parser.append(bytes)
                if transport.isReadingPaused { return }  // kept in the parser until reading resumes
                parseBuffered()
            }
        )
    }

    /// The parser, shared by the closures of one binding.
    private final class ParserBox<Parser> {
        var parser: Parser
        init(_ parser: Parser) { self.parser = parser }
    }
}

/// The NIO glue of every protocol session: binds a session when the channel is up, feeds each
/// read to it, passes the channel's events (writability, TLS, errors, close) to the transport.
/// Nothing else happens here.
package final class SessionChannelHandler: ChannelInboundHandler {
    package typealias InboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    private let bind: (ChannelHandlerContext) -> SessionBinding
    private var binding: SessionBinding?
    /// Added behind a WebSocket frame adapter after the HTTP upgrade: the channel is already
    /// active, so the session starts when the handler is added.
    private let startsWhenAdded: Bool
    private let logger: Logger

    /// - Parameter bind: makes the session for a channel that is up and binds it
    ///   (``SessionBinding/make(session:parser:context:)``).
    package init(startsWhenAdded: Bool = false, logger: Logger, bind: @escaping (ChannelHandlerContext) -> SessionBinding) {
        self.startsWhenAdded = startsWhenAdded
        self.logger = logger
        self.bind = bind
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if startsWhenAdded && context.channel.isActive { startSession(context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        if binding == nil { startSession(context: context) }
        context.fireChannelActive()
    }

    private func startSession(context: ChannelHandlerContext) {
        let binding = bind(context)
        self.binding = binding
        binding.start()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let binding else { return }
        let transport = binding.transport
        guard !transport.isClosed else { return }
        transport.isTracing = logger.logLevel <= .trace
        transport.noteActivity()
        let bytes = unwrapInboundIn(data)
        if transport.tlsOnClientHello != nil, transport.takeFirstReadForTLS(data, bytes, context: context) { return }
        binding.read(bytes)
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        binding?.transport.writabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        binding?.transport.close(reason: .clientClosed)
        binding = nil
        context.fireChannelInactive()
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let transport = binding?.transport {
            if error is NIOSSLError || error is BoringSSLError {
                // A bad handshake, plain text on a TLS port, an untrusted certificate.
                logger.error("\(transport.logPrefix) - TLS \(transport.tlsLogLabel)handshake error: \(error)")
                transport.close(reason: .tlsHandshakeError)
            } else {
                logger.debug("\(transport.logPrefix) - read error: \(error)")
                transport.close(reason: .readError)
            }
        }
        context.close(promise: nil)
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            binding?.transport.close(reason: .clientClosed)
        }
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            binding?.transport.tlsHandshakeCompleted(protocol: negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
