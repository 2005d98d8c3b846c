/// The `websocket { }` block (nats-server `WebsocketOpts`): NATS over WebSocket for browsers
/// and WebSocket clients.
///
/// | key | meaning |
/// | --- | --- |
/// | `listen`, `host`, `port` | where to listen (port -1: a free one) |
/// | `tls` | TLS (wss://); without it `no_tls: true` is required, as in nats-server |
/// | `no_tls` | plain ws:// (for a proxy that terminates TLS, or loopback) |
/// | `same_origin` | a browser's `Origin` must be the address it connected to |
/// | `allowed_origins` | or one of these (`https://app.example.com`) |
/// | `compression` | accepted; Outpost does not compress frames (the client is told so) |
/// | `handshake_timeout` | time allowed for the HTTP upgrade (default 2 s) |
package struct WebSocketSettings: Hashable, Sendable {
    package var host: String?
    package var port: Int = 0
    package var tls: TLSSettings?
    package var noTLS = false
    package var sameOrigin = false
    package var allowedOrigins: [String] = []
    package var handshakeTimeout: Duration = .seconds(2)
    package var position: ConfigPosition?

    package init() {}
}
