import NIOCore

/// Shutdown, lame duck mode, and the sessions' snapshots for monitoring.
extension Broker {
    /// Stops accepting, closes every connection (after writing what is pending) and returns
    /// when all are closed.
    package func shutDown() async {
        let transports = registry.withLockedValue { registry in
            registry.isShuttingDown = true
            return registry.clients.values.map(\.transport) + registry.links.values.map(\.transport)
        }
        var futures: [EventLoopFuture<Void>] = []
        for transport in transports {
            futures.append(transport.eventLoop.submit { transport.close(reason: .serverShutdown) })
        }
        for future in futures { try? await future.get() }
    }

    /// Lame duck mode (SIGUSR2): refuse new clients, tell connected ones (INFO `ldm: true`) so
    /// they move elsewhere, then close them spread over `lame_duck_duration`, after a grace period.
    package func enterLameDuckMode() async {
        let clients = registry.withLockedValue { registry in
            registry.isLameDuck = true
            registry.isShuttingDown = true
            return Array(registry.clients.values)
        }
        logger.notice("Entering lame duck mode, stop accepting new clients")
        for client in clients {
            client.transport.onLoop { client.announceLameDuck() }
        }
        let grace = configuration.lameDuckGracePeriod
        let duration = configuration.lameDuckDuration
        guard !clients.isEmpty else { return }
        try? await Task.sleep(for: grace)
        logger.notice("Closing existing clients")
        // Spread the closes over the rest of the duration, as the reference does.
        let remaining = duration > grace ? duration - grace : .zero
        let pause = remaining / max(clients.count, 1)
        for client in clients {
            let transport = client.transport
            transport.onLoop { transport.close(reason: .lameDuck) }
            if pause > .zero { try? await Task.sleep(for: min(pause, .seconds(1))) }
        }
    }

    /// Snapshots of every open client connection, each taken on its own event loop.
    package func connectionSnapshots() async -> [ConnectionSnapshot] {
        var snapshots: [ConnectionSnapshot] = []
        for client in clients {
            if let snapshot = try? await client.transport.eventLoop.submit({ client.snapshot() }).get() {
                snapshots.append(snapshot)
            }
        }
        return snapshots
    }

    /// Snapshots of every established leafnode link (/leafz), each taken on its own event loop.
    package func leafConnectionSnapshots() async -> [ConnectionSnapshot] {
        var snapshots: [ConnectionSnapshot] = []
        for link in links {
            let snapshot = try? await link.transport.eventLoop.submit { () -> ConnectionSnapshot? in
                link.link.isEstablished ? link.snapshot() : nil
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
        for transport in clients.map(\.transport) + links.map(\.transport) {
            totals.inMessages += transport.inMessages.load(ordering: .relaxed)
            totals.inBytes += transport.inBytes.load(ordering: .relaxed)
            totals.outMessages += transport.outMessages.load(ordering: .relaxed)
            totals.outBytes += transport.outBytes.load(ordering: .relaxed)
        }
        return totals
    }
}
