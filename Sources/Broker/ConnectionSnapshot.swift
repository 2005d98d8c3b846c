import NIOCore

/// What /connz shows about one connection, read on the connection's own event loop.
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
    package var subscriptionCount: Int
    package var subscriptions: [String]
    /// Each subscription's subject, queue, sid and delivered count (for /subsz), by sid.
    package var subscriptionDetails: [SubscriptionDetail]
    package var name: String?
    package var language: String?
    package var version: String?
    package var account: String
    /// For a leafnode link: whether we dialled it (we are the spoke).
    package var isSolicitedLeaf = false
    /// For a leafnode link: the peer's server name.
    package var leafPeerName: String?
}

/// One subscription as /subsz lists it.
package struct SubscriptionDetail: Sendable {
    package var subject: String
    package var queue: String?
    package var sid: String
    package var messages: Int
}

extension ClientConnection {
    /// A snapshot for /connz. On the loop only.
    func snapshot() -> ConnectionSnapshot {
        let idleNanoseconds = (NIODeadline.now() - lastActivity).nanoseconds
        let now = WallClock.now
        let buffered = (try? context?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        return ConnectionSnapshot(
            id: id,
            host: remoteHost,
            port: remotePort,
            start: startTime,
            lastActivity: WallClock.Instant(nanosecondsSince1970: now.nanosecondsSince1970 - idleNanoseconds),
            roundTripNanoseconds: roundTripTime.nanoseconds,
            pendingBytes: outbound.readableBytes + buffered,
            inMessages: inMessages.load(ordering: .relaxed),
            outMessages: outMessages.load(ordering: .relaxed),
            inBytes: inBytes.load(ordering: .relaxed),
            outBytes: outBytes.load(ordering: .relaxed),
            subscriptionCount: subscriptions.count,
            subscriptions: subscriptions.values.map(\.subject),
            subscriptionDetails: subscriptions.values
                .map { SubscriptionDetail(subject: $0.subject, queue: $0.queue, sid: $0.sidString, messages: $0.delivered) }
                .sorted { $0.sid < $1.sid },
            name: options.name,
            language: options.language,
            version: options.version,
            account: account.name,
            isSolicitedLeaf: leaf?.isSolicited ?? false,
            leafPeerName: leaf.map { _ in leafLogName }
        )
    }
}

extension Broker {
    /// Snapshots of every open connection, each taken on its own event loop.
    package func connectionSnapshots() async -> [ConnectionSnapshot] {
        var snapshots: [ConnectionSnapshot] = []
        for connection in connections {
            if let snapshot = try? await connection.eventLoop.submit({ connection.snapshot() }).get() {
                snapshots.append(snapshot)
            }
        }
        return snapshots
    }

    /// Snapshots of every established leafnode link (/leafz), each taken on its own event loop.
    package func leafConnectionSnapshots() async -> [ConnectionSnapshot] {
        var snapshots: [ConnectionSnapshot] = []
        for connection in leafConnections {
            let snapshot = try? await connection.eventLoop.submit { () -> ConnectionSnapshot? in
                connection.leaf?.isEstablished == true ? connection.snapshot() : nil
            }.get()
            if let snapshot = snapshot ?? nil { snapshots.append(snapshot) }
        }
        return snapshots.sorted { $0.id < $1.id }
    }

    /// Message and byte totals over open and closed connections, for /varz.
    package struct Totals: Sendable {
        package var inMessages = 0
        package var inBytes = 0
        package var outMessages = 0
        package var outBytes = 0
    }

    package var totals: Totals {
        var totals = Totals(
            inMessages: statistics.closedInMessages.load(ordering: .relaxed),
            inBytes: statistics.closedInBytes.load(ordering: .relaxed),
            outMessages: statistics.closedOutMessages.load(ordering: .relaxed),
            outBytes: statistics.closedOutBytes.load(ordering: .relaxed)
        )
        for connection in connections + leafConnections {
            totals.inMessages += connection.inMessages.load(ordering: .relaxed)
            totals.inBytes += connection.inBytes.load(ordering: .relaxed)
            totals.outMessages += connection.outMessages.load(ordering: .relaxed)
            totals.outBytes += connection.outBytes.load(ordering: .relaxed)
        }
        return totals
    }
}
