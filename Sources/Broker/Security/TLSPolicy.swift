import NIOCore
import NIOSSL

/// TLS on a listener (client or leafnode port): the context made from the `tls` block's files,
/// and how the handshake is run. nats-server's order: INFO in plain text (announcing
/// `tls_required`), then the client's handshake; or, with `handshake_first`, the handshake
/// before anything.
package struct ServerTLS: Sendable, Equatable {
    package var context: NIOSSLContext
    /// Whether clients must present a certificate signed by the configured roots.
    package var verifyClients: Bool
    package var handshakeTimeout: Duration
    package var handshakeFirst: Bool
    /// `verify_and_map`: the client's certificate names its user (see ``CertificateIdentity``).
    package var mapsCertificateToUser: Bool
    /// `allow_non_tls` (client port): a client that does not start a handshake after INFO is
    /// served in plain text.
    package var allowsNonTLS = false

    package init(
        context: NIOSSLContext, verifyClients: Bool, handshakeTimeout: Duration, handshakeFirst: Bool, mapsCertificateToUser: Bool = false
    ) {
        self.context = context
        self.verifyClients = verifyClients || mapsCertificateToUser
        self.handshakeTimeout = handshakeTimeout
        self.handshakeFirst = handshakeFirst
        self.mapsCertificateToUser = mapsCertificateToUser
    }

    package static func == (lhs: ServerTLS, rhs: ServerTLS) -> Bool {
        lhs.context === rhs.context && lhs.verifyClients == rhs.verifyClients
            && lhs.handshakeTimeout == rhs.handshakeTimeout && lhs.handshakeFirst == rhs.handshakeFirst
            && lhs.mapsCertificateToUser == rhs.mapsCertificateToUser && lhs.allowsNonTLS == rhs.allowsNonTLS
    }
}

/// TLS to a hub (a leafnode remote with `tls://` or a `tls` block, or a hub whose INFO requires
/// it): the client context, and the name its certificate must carry.
package struct ClientTLS: Sendable, Equatable {
    package var context: NIOSSLContext
    /// Overrides the URL's host as the expected name (`server_name`).
    package var serverName: String?
    package var handshakeTimeout: Duration

    package init(context: NIOSSLContext, serverName: String?, handshakeTimeout: Duration) {
        self.context = context
        self.serverName = serverName
        self.handshakeTimeout = handshakeTimeout
    }

    package static func == (lhs: ClientTLS, rhs: ClientTLS) -> Bool {
        lhs.context === rhs.context && lhs.serverName == rhs.serverName && lhs.handshakeTimeout == rhs.handshakeTimeout
    }

    /// The name sent in SNI and checked in the certificate: not for IP addresses.
    func expectedName(for host: String) -> String? {
        let name = serverName ?? host
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        return isAddress ? nil : name
    }
}
