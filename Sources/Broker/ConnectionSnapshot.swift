import NIOCore

/// What /connz (and /leafz, /subsz) show about one connection, read on the connection's own
/// event loop.
package struct ConnectionSnapshot: Sendable {
    package var id: UInt64
    package var host: String
    package var port: Int
    package var start: WallClock.Instant
    package var lastActivity: WallClock.Instant
    package var roundTripNanoseconds: Int64
    package var pendingBytes: Int
    package var inMessages: Int
    package var outMessages: Int
    package var inBytes: Int
    package var outBytes: Int
    package var subscriptionCount = 0
    package var subscriptions: [String] = []
    /// Each subscription's subject, queue, sid and delivered count (for /subsz), by sid.
    package var subscriptionDetails: [SubscriptionDetail] = []
    package var name: String?
    package var language: String?
    package var version: String?
    package var account: String
    /// For a leafnode link: whether we dialled it (we are the spoke).
    package var isSolicitedLeaf = false
    /// For a leafnode link: the peer's server name.
    package var leafPeerName: String?

    /// The transport's part of the snapshot; the session adds its own. On the transport's loop.
    init(transport: ConnectionTransport, account: String) {
        let idleNanoseconds = (transport.eventLoop.now - transport.lastActivity).nanoseconds
        let now = WallClock.now
        self.id = transport.id
        self.host = transport.remoteHost
        self.port = transport.remotePort
        self.start = transport.startTime
        self.lastActivity = WallClock.Instant(nanosecondsSince1970: now.nanosecondsSince1970 - idleNanoseconds)
        self.roundTripNanoseconds = transport.roundTripTime.nanoseconds
        self.pendingBytes = transport.pendingBytes
        self.inMessages = transport.inMessages.load(ordering: .relaxed)
        self.outMessages = transport.outMessages.load(ordering: .relaxed)
        self.inBytes = transport.inBytes.load(ordering: .relaxed)
        self.outBytes = transport.outBytes.load(ordering: .relaxed)
        self.account = account
    }
}

/// One subscription as /subsz lists it.
package struct SubscriptionDetail: Sendable {
    package var subject: String
    package var queue: String?
    package var sid: String
    package var messages: Int
}
