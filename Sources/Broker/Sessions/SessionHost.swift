import Leafnode
import Logging
import NIOCore

/// Everything a protocol session asks of the server around it, and nothing more: the broker is
/// the one conforming type. Sessions hold it as this interface, so what they may touch is
/// written down here rather than being "all of the broker".
///
/// Thread-safe: called from every event loop.
package protocol SessionHost: AnyObject, Sendable {
    var configuration: BrokerConfiguration { get }
    var statistics: BrokerStatistics { get }
    var globalAccount: Account { get }
    /// The account named `name`; `$G` for nil or an unknown name.
    func account(named name: String?) -> Account
    /// A new connection id, in connection order (INFO `client_id`, /connz `cid`).
    func makeConnectionID() -> UInt64
    /// The delivery batcher of `eventLoop`.
    func deliveryLoop(for eventLoop: any EventLoop) -> DeliveryLoop

    // MARK: Client sessions

    /// Who may connect and how: read at every accept and CONNECT (a reload changes it).
    var authentication: AuthenticationConfiguration { get }
    /// TLS on the client port (a reload may change its certificates).
    var clientTLS: ServerTLS? { get }
    /// Counts a client connection in; `false` when `max_connections` is reached or the server
    /// is stopping.
    func register(client: any ClientConnectionSession) -> Bool
    func unregister(client: any ClientConnectionSession)
    /// Who a CONNECT proves to be, or `nil` for "Authorization Violation".
    func authenticate(
        _ options: ConnectOptions, nonce: String?, connectionType: String, certificate: CertificateIdentity?
    ) -> AuthenticatedClient?
    /// Whether checking `options` hashes a password (slow: done on the password pool).
    func needsSlowPasswordCheck(_ options: ConnectOptions, certificate: CertificateIdentity?) -> Bool
    /// The `no_auth_user`, if one is configured and may use `connectionType`.
    func noAuthUserClient(connectionType: String) -> AuthenticatedClient?
    /// The INFO a client gets, fields in nats-server's order.
    func clientInfoJSON(clientID: UInt64, clientIP: String, nonce: String?, isWebSocket: Bool, lameDuck: Bool) -> String

    // MARK: Leafnode links

    /// `$LDS.<random>`: this server's loop-detection subject.
    var loopDetectionSubject: String { get }
    /// Counts a leafnode link in (established or not); `false` when the server is stopping.
    func register(link: LeafSession) -> Bool
    /// The link is up and bound to `account`: it hears of that account's interest from now on.
    func linkEstablished(_ link: LeafSession, account: Account)
    func unregister(link: LeafSession)
    /// Whether a leafnode peer's CONNECT carries credentials the leafnode port accepts; the
    /// account it binds (nil: refused).
    func authenticateLink(_ connect: LeafConnectMessage, nonce: String) -> Account?
    /// Whether checking a leafnode CONNECT hashes a password.
    func needsSlowLinkCheck(_ connect: LeafConnectMessage) -> Bool
    /// The fields every INFO starts with (client and leafnode ports), in nats-server's order.
    func infoPreamble(host: String, port: Int) -> JSONWriter

    // MARK: Both

    /// A subscription was added to or removed from `account`: the leafnode links of the account
    /// decide whether their peers must hear of it.
    func interestChanged(_ subscription: Subscription, account: Account, isAdded: Bool)
    /// Runs a credential check that hashes a password on the bounded password pool, and hands
    /// its result to `body` on `loop` (a refusal when the pool's queue is full).
    func checkCredentials<Result: Sendable>(
        on loop: any EventLoop, refusal: Result, _ check: @escaping @Sendable () -> Result, then body: @escaping @Sendable (Result) -> Void
    )
}

/// A session the broker counts as a client connection (`max_connections`, /connz, reload, lame
/// duck): the NATS client session now, an MQTT session later.
package protocol ClientConnectionSession: AnyObject, Sendable {
    var transport: ConnectionTransport { get }
    /// /connz's view of the connection. On its loop.
    func snapshot() -> ConnectionSnapshot
    /// The configuration was reloaded: check the credentials again, then call `done` (once,
    /// on its loop). On its loop.
    func reauthorize(then done: @escaping @Sendable () -> Void)
    /// Lame duck mode: tell the peer to move elsewhere. On its loop.
    func announceLameDuck()
}

extension SessionHost {
    /// The transport of a new connection on `context`'s channel, with the server's limits.
    /// - Parameters:
    ///   - kindName: what the peer is, in log lines (`Client`, `Leafnode`).
    ///   - idLabel: the connection id's label in log lines (`cid`, `lid`).
    func makeTransport(for context: ChannelHandlerContext, logger: Logger, kindName: String, idLabel: String) -> ConnectionTransport {
        ConnectionTransport(
            id: makeConnectionID(), eventLoop: context.eventLoop, deliveryLoop: deliveryLoop(for: context.eventLoop),
            remoteAddress: context.channel.remoteAddress,
            limits: .init(maxPending: configuration.maxPending, writeDeadline: configuration.writeDeadline), statistics: statistics,
            logger: logger, kindName: kindName, idLabel: idLabel
        )
    }
}
