/// The WebSocket listener as the broker uses it (nats-server `WebsocketOpts`).
package struct WebSocketConfiguration: Sendable, Equatable {
    package var host: String
    package var port: Int
    /// wss:// (nil: plain ws://, which nats-server only allows with `no_tls`).
    package var tls: ServerTLS?
    /// A browser's `Origin` must name the host it connected to.
    package var sameOrigin = false
    /// Or one of these origins (`scheme://host[:port]`); empty: any.
    package var allowedOrigins: [String] = []
    package var handshakeTimeout: Duration = .seconds(2)

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
