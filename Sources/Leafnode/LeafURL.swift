/// A remote's URL: `nats-leaf://user:password@host:port` (the port defaults to 7422).
package struct LeafURL: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var user: String?
    package var password: String?
    /// `tls://`: TLS even if the hub does not ask for it.
    package var requiresTLS: Bool

    package init(host: String, port: Int, user: String? = nil, password: String? = nil, requiresTLS: Bool = false) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.requiresTLS = requiresTLS
    }

    /// `host:port`, without credentials (for logs).
    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
