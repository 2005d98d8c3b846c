import Broker
import NIOConcurrencyHelpers

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Builds the monitoring documents (nats-server `server/monitor.go`). Each endpoint is a plain
/// function of its options, so tests can call it without HTTP.
package final class MonitoringEndpoints: Sendable {
    package let broker: Broker
    package let eventLoopCount: Int
    /// JetStream's side of /jsz and /accountz (empty without JetStream).
    package let jetStream: JetStreamStatusSource
    private let requestCounts = NIOLockedValueBox<[String: Int]>([:])

    package init(broker: Broker, eventLoopCount: Int, jetStream: JetStreamStatusSource = JetStreamStatusSource()) {
        self.broker = broker
        self.eventLoopCount = eventLoopCount
        self.jetStream = jetStream
    }

    func countRequest(_ path: String) {
        requestCounts.withLockedValue { $0[path, default: 0] += 1 }
    }

    package func varz() async -> Varz {
        let jetStreamStatus = await jetStream.status(details: nil)
        let configuration = broker.configuration
        let now = WallClock.now
        let totals = broker.totals
        let uptimeSeconds = (now.nanosecondsSince1970 - broker.startTime.nanosecondsSince1970) / 1_000_000_000
        return Varz(
            serverID: configuration.serverID,
            serverName: configuration.serverName,
            version: BrokerConfiguration.protocolFeatureLevel,
            outpostVersion: configuration.outpostVersion,
            proto: BrokerConfiguration.protocolVersion,
            go: "outpost \(configuration.outpostVersion)",
            host: configuration.host,
            port: configuration.port,
            authRequired: broker.authentication.isRequired ? true : nil,
            maxConnections: configuration.maxConnections,
            pingInterval: TimeNanoseconds.of(configuration.pingInterval),
            pingMax: configuration.pingMaxOutstanding,
            httpHost: configuration.httpHost,
            httpPort: configuration.httpPort,
            httpBasePath: "",
            httpsPort: 0,
            authTimeout: Double(TimeNanoseconds.of(broker.authentication.timeout)) / 1e9,
            maxControlLine: configuration.maxControlLine,
            maxPayload: configuration.maxPayload,
            maxPending: configuration.maxPending,
            cluster: EmptyObject(),
            gateway: EmptyObject(),
            leaf: leafVarz(),
            mqtt: EmptyObject(),
            websocket: EmptyObject(),
            jetstream: VarzJetStream(jetStreamStatus),
            tlsTimeout: 2,
            writeDeadline: TimeNanoseconds.of(configuration.writeDeadline),
            start: GoFormat.timestamp(broker.startTime),
            now: GoFormat.timestamp(now),
            uptime: GoFormat.uptime(seconds: uptimeSeconds),
            mem: ProcessUsage.residentBytes(),
            cores: EventLoopCount.onlineCPUs,
            gomaxprocs: eventLoopCount,
            cpu: 0,
            connections: broker.connectionCount,
            totalConnections: broker.statistics.totalConnections.load(ordering: .relaxed),
            routes: 0,
            remotes: 0,
            leafnodes: broker.links.count,
            inMsgs: totals.inMessages,
            outMsgs: totals.outMessages,
            inBytes: totals.inBytes,
            outBytes: totals.outBytes,
            slowConsumers: broker.statistics.slowConsumers.load(ordering: .relaxed),
            subscriptions: broker.globalAccount.subscriptionCount,
            httpReqStats: requestCounts.withLockedValue { $0 },
            configLoadTime: GoFormat.timestamp(broker.startTime)
        )
    }

    /// `/connz` options (query parameters), as nats-server's `ConnzOptions`.
    package struct ConnzOptions: Sendable {
        package var offset = 0
        /// nats-server's default page size.
        package var limit = 1024
        package var subscriptions = false
        package var sort = "cid"
        package var connectionID: UInt64?

        package init() {}

        package init(query: [String: String]) {
            offset = max(0, Int(query["offset"] ?? "") ?? 0)
            limit = max(1, Int(query["limit"] ?? "") ?? 1024)
            let subs = query["subs"] ?? ""
            subscriptions = subs == "1" || subs == "true" || subs == "detail"
            sort = query["sort"] ?? "cid"
            connectionID = query["cid"].flatMap { UInt64($0) }
        }
    }

    package func connz(_ options: ConnzOptions) async -> Connz {
        var snapshots = await broker.connectionSnapshots()
        if let id = options.connectionID { snapshots = snapshots.filter { $0.id == id } }
        switch options.sort {
        case "bytes_to": snapshots.sort { $0.outBytes > $1.outBytes }
        case "bytes_from": snapshots.sort { $0.inBytes > $1.inBytes }
        case "msgs_to": snapshots.sort { $0.outMessages > $1.outMessages }
        case "msgs_from": snapshots.sort { $0.inMessages > $1.inMessages }
        case "pending": snapshots.sort { $0.pendingBytes > $1.pendingBytes }
        case "subs": snapshots.sort { $0.subscriptionCount > $1.subscriptionCount }
        case "start": snapshots.sort { $0.start < $1.start }
        case "last": snapshots.sort { $0.lastActivity > $1.lastActivity }
        default: snapshots.sort { $0.id < $1.id }
        }
        let total = snapshots.count
        let page = snapshots.dropFirst(options.offset).prefix(options.limit)
        let now = WallClock.now
        let connections = page.map { snapshot in
            ConnectionInfo(
                cid: snapshot.id,
                ip: snapshot.host,
                port: snapshot.port,
                start: GoFormat.timestamp(snapshot.start),
                lastActivity: GoFormat.timestamp(snapshot.lastActivity),
                rtt: GoFormat.duration(nanoseconds: snapshot.roundTripNanoseconds),
                uptime: GoFormat.uptime(seconds: (now.nanosecondsSince1970 - snapshot.start.nanosecondsSince1970) / 1_000_000_000),
                idle: GoFormat.uptime(seconds: (now.nanosecondsSince1970 - snapshot.lastActivity.nanosecondsSince1970) / 1_000_000_000),
                pendingBytes: snapshot.pendingBytes,
                inMsgs: snapshot.inMessages,
                outMsgs: snapshot.outMessages,
                inBytes: snapshot.inBytes,
                outBytes: snapshot.outBytes,
                subscriptions: snapshot.subscriptionCount,
                name: snapshot.name.flatMap { $0.isEmpty ? nil : $0 },
                lang: snapshot.language.flatMap { $0.isEmpty ? nil : $0 },
                version: snapshot.version.flatMap { $0.isEmpty ? nil : $0 },
                subscriptionsList: options.subscriptions && !snapshot.subscriptions.isEmpty ? snapshot.subscriptions : nil
            )
        }
        return Connz(
            serverID: broker.configuration.serverID,
            now: GoFormat.timestamp(now),
            numConnections: connections.count,
            total: total,
            offset: options.offset,
            limit: options.limit,
            connections: Array(connections)
        )
    }

    private func leafVarz() -> LeafVarz {
        var leaf = LeafVarz()
        guard let leafNodes = broker.configuration.leafNodes else { return leaf }
        if let port = leafNodes.acceptPort {
            leaf.host = leafNodes.acceptHost
            leaf.port = port
            leaf.authTimeout = Double(TimeNanoseconds.of(leafNodes.authTimeout)) / 1e9
            leaf.tlsTimeout = 2
        }
        if !leafNodes.remotes.isEmpty {
            let live = broker.leafRemotes
            let now = WallClock.now.nanosecondsSince1970
            leaf.remotes = leafNodes.remotes.enumerated().map { index, remote in
                var entry = LeafVarz.Remote(localAccount: "$G", urls: remote.urls.map(\.description))
                guard index < live.count else { return entry }
                let status = live[index].status
                entry.state = status.state.rawValue
                entry.lastError = status.lastError
                if let buffer = live[index].forwardBuffer {
                    let oldest = buffer.oldestTimestamp.load(ordering: .relaxed)
                    entry.storeAndForward = LeafVarz.ForwardBufferVarz(
                        subjects: buffer.configuration.subjects,
                        bufferedMessages: buffer.bufferedMessages.load(ordering: .relaxed),
                        bufferedBytes: buffer.bufferedBytes.load(ordering: .relaxed),
                        oldestAgeSeconds: oldest > 0 ? Double(now - oldest) / 1e9 : 0,
                        forwardedMessages: buffer.forwardedMessages.load(ordering: .relaxed),
                        discardedMessages: buffer.discardedMessages.load(ordering: .relaxed)
                    )
                }
                return entry
            }
        }
        return leaf
    }

    /// `/leafz`: the established leafnode links, with their subjects on request.
    package func leafz(subscriptions: Bool) async -> Leafz {
        let snapshots = await broker.leafConnectionSnapshots()
        let leafs = snapshots.map { snapshot in
            Leafz.Leaf(
                account: snapshot.account,
                ip: snapshot.host,
                port: snapshot.port,
                rtt: GoFormat.duration(nanoseconds: snapshot.roundTripNanoseconds),
                inMsgs: snapshot.inMessages,
                outMsgs: snapshot.outMessages,
                inBytes: snapshot.inBytes,
                outBytes: snapshot.outBytes,
                subscriptions: snapshot.subscriptionCount,
                subscriptionsList: subscriptions && !snapshot.subscriptions.isEmpty ? snapshot.subscriptions.sorted() : nil
            )
        }
        return Leafz(serverID: broker.configuration.serverID, now: GoFormat.timestamp(WallClock.now), leafnodes: leafs.count, leafs: leafs)
    }

    /// `/jsz` query options, as nats-server 2.9 reads them: `streams` implies `accounts`,
    /// `consumers` implies `streams`; `offset` and `limit` page the accounts.
    package struct JszOptions: Sendable {
        package var accounts = false
        package var streams = false
        package var consumers = false
        package var config = false
        package var offset = 0
        package var limit = 0

        package init() {}

        package init(query: [String: String]) {
            consumers = Self.goBool(query["consumers"])
            streams = consumers || Self.goBool(query["streams"])
            accounts = streams || Self.goBool(query["accounts"])
            config = Self.goBool(query["config"])
            offset = max(0, Int(query["offset"] ?? "") ?? 0)
            limit = max(0, Int(query["limit"] ?? "") ?? 0)
        }

        /// Go's `strconv.ParseBool` (what nats-server's monitor uses): 1, t, T, TRUE, true, True.
        static func goBool(_ text: String?) -> Bool {
            guard let text else { return false }
            return ["1", "t", "T", "TRUE", "true", "True"].contains(text)
        }
    }

    /// `/jsz`: JetStream's configuration and totals (`"disabled": true` without JetStream), and
    /// with `accounts`/`streams`/`consumers`/`config` the details of each account with JetStream.
    package func jsz(_ options: JszOptions = JszOptions()) async -> Jsz {
        let now = GoFormat.timestamp(WallClock.now)
        let details = options.streams ? JetStreamDetailRequest(consumers: options.consumers, config: options.config) : nil
        guard let status = await jetStream.status(details: details) else {
            return Jsz(
                serverID: broker.configuration.serverID, now: now, disabled: true,
                config: .init(maxMemory: 0, maxStorage: 0, storeDirectory: nil, domain: nil), memory: 0, storage: 0,
                reservedMemory: 0, reservedStorage: 0, accounts: 0, haAssets: 0, api: .init(total: 0, errors: 0),
                streams: 0, consumers: 0, messages: 0, bytes: 0)
        }
        var jsz = Jsz(
            serverID: broker.configuration.serverID, now: now, disabled: nil,
            config: Jsz.Config(status),
            memory: status.memory, storage: status.storage, reservedMemory: 0, reservedStorage: 0, accounts: status.accounts.count,
            haAssets: 0,
            api: .init(total: status.apiTotal, errors: status.apiErrors),
            streams: status.streams, consumers: status.consumers, messages: status.messages, bytes: status.bytes
        )
        if options.accounts {
            let accounts = status.accounts.map { account in
                Jsz.AccountDetail(
                    name: account.name, id: account.name, memory: account.memory, storage: account.storage,
                    // No account limit: nats-server shows its -1 as an unsigned number.
                    reservedMemory: UInt64(bitPattern: account.maxMemory), reservedStorage: UInt64(bitPattern: account.maxStorage),
                    accounts: 0, haAssets: 0,
                    api: .init(total: account.apiTotal, errors: account.apiErrors), streams: options.streams ? account.streamDetails : nil)
            }
            let page = accounts.dropFirst(options.offset)
            let shown = Array(options.limit > 0 ? page.prefix(options.limit) : page)
            jsz.accountDetails = shown.isEmpty ? nil : shown
        }
        return jsz
    }

    /// `/healthz`: `{"status":"ok"}` while the server runs.
    package func healthz() -> [String: String] {
        ["status": "ok"]
    }
}

enum TimeNanoseconds {
    static func of(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

enum EventLoopCount {
    static let onlineCPUs: Int = {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return online > 0 ? online : 1
    }()
}
