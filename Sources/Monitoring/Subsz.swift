import Broker
import Subjects

/// `/subsz`: the subject index's statistics; with `?subs=1` also the subscriptions
/// (nats-server `Subsz`, `SubszOptions`: `offset`, `limit`, `test` for a literal subject whose
/// subscribers alone are listed).
package struct Subsz: Encodable, Sendable {
    package var serverID: String?
    package var now: String?
    package var statistics: SublistStatistics
    package var total: Int?
    package var offset: Int?
    package var limit: Int?
    package var subscriptions: [SubscriptionEntry]?

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case now
        case total, offset, limit
        case subscriptions = "subscriptions_list"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(serverID, forKey: .serverID)
        try container.encodeIfPresent(now, forKey: .now)
        try statistics.encode(to: encoder)
        try container.encodeIfPresent(total, forKey: .total)
        try container.encodeIfPresent(offset, forKey: .offset)
        try container.encodeIfPresent(limit, forKey: .limit)
        try container.encodeIfPresent(subscriptions, forKey: .subscriptions)
    }
}

/// nats-server's `SublistStats` (also `sublist_stats` in /accountz).
package struct SublistStatistics: Encodable, Sendable {
    package var subscriptions: Int
    package var cacheEntries: Int
    package var inserts: UInt64
    package var removes: UInt64
    package var matches: UInt64
    package var cacheHitRate: Double
    package var maxFanout: Int
    package var averageFanout: Double

    enum CodingKeys: String, CodingKey {
        case subscriptions = "num_subscriptions"
        case cacheEntries = "num_cache"
        case inserts = "num_inserts"
        case removes = "num_removes"
        case matches = "num_matches"
        case cacheHitRate = "cache_hit_rate"
        case maxFanout = "max_fanout"
        case averageFanout = "avg_fanout"
    }

    /// The sum over several accounts (fan-outs: the largest, and the mean weighted by entries).
    init(_ all: [Account.IndexStatistics]) {
        var hits: UInt64 = 0
        var weighted = 0.0
        (subscriptions, cacheEntries, inserts, removes, matches, maxFanout) = (0, 0, 0, 0, 0, 0)
        for statistics in all {
            subscriptions += statistics.subscriptions
            cacheEntries += statistics.cacheEntries
            inserts += statistics.inserts
            removes += statistics.removes
            matches += statistics.matches
            hits += statistics.cacheHits
            maxFanout = max(maxFanout, statistics.maxFanout)
            weighted += statistics.averageFanout * Double(statistics.cacheEntries)
        }
        cacheHitRate = matches == 0 ? 0 : Double(hits) / Double(matches)
        averageFanout = cacheEntries == 0 ? 0 : weighted / Double(cacheEntries)
    }

    init(_ statistics: Account.IndexStatistics) {
        subscriptions = statistics.subscriptions
        cacheEntries = statistics.cacheEntries
        inserts = statistics.inserts
        removes = statistics.removes
        matches = statistics.matches
        cacheHitRate = statistics.matches == 0 ? 0 : Double(statistics.cacheHits) / Double(statistics.matches)
        maxFanout = statistics.maxFanout
        averageFanout = statistics.averageFanout
    }
}

package struct SubscriptionEntry: Encodable, Sendable {
    package var account: String
    package var subject: String
    package var queue: String?
    package var sid: String
    package var messages: Int
    package var cid: UInt64

    enum CodingKeys: String, CodingKey {
        case account, subject, sid, cid
        case queue = "qgroup"
        case messages = "msgs"
    }
}

/// `/accountz`: the accounts; with `?acc=NAME` one account's details (nats-server `Accountz`).
/// Outpost has one account, `$G`, and no system account.
package struct Accountz: Encodable, Sendable {
    package var serverID: String
    package var now: String
    package var systemAccount: String
    package var accounts: [String]?
    package var detail: AccountDetail?

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case now
        case systemAccount = "system_account"
        case accounts
        case detail = "account_detail"
    }
}

package struct AccountDetail: Encodable, Sendable {
    package var name: String
    package var updateTime: String
    package var expired = false
    package var complete = true
    package var jetStreamEnabled: Bool
    package var leafnodeConnections: Int
    package var clientConnections: Int
    package var subscriptions: Int
    package var statistics: SublistStatistics

    enum CodingKeys: String, CodingKey {
        case name = "account_name"
        case updateTime = "update_time"
        case expired, complete
        case jetStreamEnabled = "jetstream_enabled"
        case leafnodeConnections = "leafnode_connections"
        case clientConnections = "client_connections"
        case subscriptions
        case statistics = "sublist_stats"
    }
}

extension MonitoringEndpoints {
    package struct SubszOptions: Sendable {
        package var subscriptions = false
        package var offset = 0
        package var limit = 1024
        package var test: String?

        package init() {}

        package init(query: [String: String]) {
            let subs = query["subs"] ?? ""
            subscriptions = subs == "1" || subs == "true" || subs == "detail"
            offset = max(0, Int(query["offset"] ?? "") ?? 0)
            limit = max(1, Int(query["limit"] ?? "") ?? 1024)
            test = query["test"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    package func subsz(_ options: SubszOptions) async -> Subsz {
        // nats-server's /subsz covers every account: the statistics are summed like its list.
        var subsz = Subsz(statistics: SublistStatistics(broker.accounts.values.map(\.indexStatistics)))
        guard options.subscriptions else { return subsz }
        subsz.serverID = broker.configuration.serverID
        subsz.now = GoFormat.timestamp(WallClock.now)
        var entries: [SubscriptionEntry] = []
        for snapshot in await broker.connectionSnapshots().sorted(by: { $0.id < $1.id }) {
            for detail in snapshot.subscriptionDetails {
                if let test = options.test, !SubjectPattern.matches(pattern: detail.subject, subject: test) { continue }
                entries.append(
                    SubscriptionEntry(
                        account: snapshot.account, subject: detail.subject, queue: detail.queue, sid: detail.sid,
                        messages: detail.messages, cid: snapshot.id))
            }
        }
        subsz.total = entries.count
        subsz.offset = options.offset
        subsz.limit = options.limit
        subsz.subscriptions = Array(entries.dropFirst(options.offset).prefix(options.limit))
        return subsz
    }

    package func accountz(account name: String?) async -> Accountz {
        let configuration = broker.configuration
        let now = WallClock.now
        var accountz = Accountz(serverID: configuration.serverID, now: GoFormat.timestamp(now), systemAccount: "")
        guard let name, !name.isEmpty else {
            accountz.accounts = broker.accounts.keys.sorted()
            return accountz
        }
        guard let account = broker.accounts[name] else { return accountz }
        let statistics = account.indexStatistics
        // Connections of this account only (each counted on its own loop's snapshot).
        let snapshots = await broker.connectionSnapshots()
        let clients = snapshots.filter { $0.account == name }.count
        let leafs = await broker.leafConnectionSnapshots().filter { $0.account == name }.count
        accountz.detail = AccountDetail(
            name: account.name, updateTime: GoFormat.timestamp(broker.startTime),
            jetStreamEnabled: jetStream.accountNames.contains(name),
            leafnodeConnections: leafs,
            clientConnections: clients,
            subscriptions: statistics.subscriptions,
            statistics: SublistStatistics(statistics))
        return accountz
    }
}
