import Broker
import JetStream

/// `/varz`: general server information, field names and order as nats-server's `Varz`.
package struct Varz: Encodable, Sendable {
    package var serverID: String
    package var serverName: String
    package var version: String
    package var outpostVersion: String
    package var proto: Int
    package var go: String
    package var host: String
    package var port: Int
    package var authRequired: Bool?
    package var maxConnections: Int
    package var pingInterval: Int64
    package var pingMax: Int
    package var httpHost: String
    package var httpPort: Int
    package var httpBasePath: String
    package var httpsPort: Int
    package var authTimeout: Double
    package var maxControlLine: Int
    package var maxPayload: Int
    package var maxPending: Int
    package var cluster: EmptyObject
    package var gateway: EmptyObject
    package var leaf: LeafVarz
    package var mqtt: EmptyObject
    package var websocket: EmptyObject
    package var jetstream: VarzJetStream
    package var tlsTimeout: Double
    package var writeDeadline: Int64
    package var start: String
    package var now: String
    package var uptime: String
    package var mem: Int
    package var cores: Int
    package var gomaxprocs: Int
    package var cpu: Double
    package var connections: Int
    package var totalConnections: Int
    package var routes: Int
    package var remotes: Int
    package var leafnodes: Int
    package var inMsgs: Int
    package var outMsgs: Int
    package var inBytes: Int
    package var outBytes: Int
    package var slowConsumers: Int
    package var subscriptions: Int
    package var httpReqStats: [String: Int]
    package var configLoadTime: String

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case serverName = "server_name"
        case version
        case outpostVersion = "outpost_version"
        case proto, go, host, port
        case authRequired = "auth_required"
        case maxConnections = "max_connections"
        case pingInterval = "ping_interval"
        case pingMax = "ping_max"
        case httpHost = "http_host"
        case httpPort = "http_port"
        case httpBasePath = "http_base_path"
        case httpsPort = "https_port"
        case authTimeout = "auth_timeout"
        case maxControlLine = "max_control_line"
        case maxPayload = "max_payload"
        case maxPending = "max_pending"
        case cluster, gateway, leaf, mqtt, websocket, jetstream
        case tlsTimeout = "tls_timeout"
        case writeDeadline = "write_deadline"
        case start, now, uptime, mem, cores, gomaxprocs, cpu, connections
        case totalConnections = "total_connections"
        case routes, remotes, leafnodes
        case inMsgs = "in_msgs"
        case outMsgs = "out_msgs"
        case inBytes = "in_bytes"
        case outBytes = "out_bytes"
        case slowConsumers = "slow_consumers"
        case subscriptions
        case httpReqStats = "http_req_stats"
        case configLoadTime = "config_load_time"
    }
}

/// `/varz` `jetstream`: `{}` without JetStream; its configuration and totals with it (nats-server
/// 2.9's `JetStreamVarz`; its `config` and `api` are `/jsz`'s).
package struct VarzJetStream: Encodable, Sendable {
    package var config: Jsz.Config?
    package var stats: Stats?

    package struct Stats: Encodable, Sendable {
        package var memory: UInt64
        package var storage: UInt64
        package var reservedMemory: UInt64 = 0
        package var reservedStorage: UInt64 = 0
        package var accounts: Int
        package var haAssets: Int = 0
        package var api: Jsz.API

        enum CodingKeys: String, CodingKey {
            case memory, storage
            case reservedMemory = "reserved_memory"
            case reservedStorage = "reserved_storage"
            case accounts
            case haAssets = "ha_assets"
            case api
        }
    }

    package init(_ status: JetStreamStatus?) {
        guard let status else { return }
        config = Jsz.Config(status)
        stats = Stats(
            memory: status.memory, storage: status.storage, accounts: status.accounts.count,
            api: .init(total: status.apiTotal, errors: status.apiErrors))
    }
}

/// `{}` in the JSON, for sections a feature fills in later.
package struct EmptyObject: Encodable, Sendable {
    package init() {}
}

/// `/connz`, field names as nats-server's `Connz`.
/// `/varz` `leaf`: the leafnode port (host, port, timeouts) and the remotes, as nats-server
/// fills it (`LeafNodeOptsVarz`); empty when leafnodes are not configured.
package struct LeafVarz: Encodable, Sendable {
    package struct Remote: Encodable, Sendable {
        package var localAccount: String
        package var urls: [String]
        /// Outpost's own: the link's state and its store-and-forward buffer.
        package var state: String?
        package var lastError: String?
        package var storeAndForward: ForwardBufferVarz?

        enum CodingKeys: String, CodingKey {
            case localAccount = "local_account"
            case urls, state
            case lastError = "last_error"
            case storeAndForward = "store_and_forward"
        }
    }

    /// A remote's store-and-forward buffer.
    package struct ForwardBufferVarz: Encodable, Sendable {
        package var subjects: [String]
        package var bufferedMessages: Int
        package var bufferedBytes: Int
        /// Age of the oldest buffered message, in seconds (0 when empty).
        package var oldestAgeSeconds: Double
        package var forwardedMessages: Int
        package var discardedMessages: Int

        enum CodingKeys: String, CodingKey {
            case subjects
            case bufferedMessages = "buffered_msgs"
            case bufferedBytes = "buffered_bytes"
            case oldestAgeSeconds = "oldest_age_seconds"
            case forwardedMessages = "forwarded_msgs"
            case discardedMessages = "discarded_msgs"
        }
    }

    package var host: String?
    package var port: Int?
    package var authTimeout: Double?
    package var tlsTimeout: Double?
    package var remotes: [Remote]?

    enum CodingKeys: String, CodingKey {
        case host, port, remotes
        case authTimeout = "auth_timeout"
        case tlsTimeout = "tls_timeout"
    }
}

/// `/jsz` (nats-server 2.9 `JSInfo`).
package struct Jsz: Encodable, Sendable {
    /// One account's JetStream (nats-server `AccountDetail`).
    package struct AccountDetail: Encodable, Sendable {
        package var name: String
        package var id: String
        package var memory: UInt64
        package var storage: UInt64
        package var reservedMemory: UInt64
        package var reservedStorage: UInt64
        package var accounts: Int
        package var haAssets: Int
        package var api: API
        package var streams: [JetStreamStreamDetail]?

        enum CodingKeys: String, CodingKey {
            case name, id, memory, storage, accounts, api
            case reservedMemory = "reserved_memory"
            case reservedStorage = "reserved_storage"
            case haAssets = "ha_assets"
            case streams = "stream_detail"
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(id, forKey: .id)
            try container.encode(memory, forKey: .memory)
            try container.encode(storage, forKey: .storage)
            try container.encode(reservedMemory, forKey: .reservedMemory)
            try container.encode(reservedStorage, forKey: .reservedStorage)
            try container.encode(accounts, forKey: .accounts)
            try container.encode(haAssets, forKey: .haAssets)
            try container.encode(api, forKey: .api)
            if let streams, !streams.isEmpty { try container.encode(streams, forKey: .streams) }
        }
    }

    package struct Config: Encodable, Sendable {
        package var maxMemory: Int64
        package var maxStorage: Int64
        package var storeDirectory: String?
        package var domain: String?

        enum CodingKeys: String, CodingKey {
            case maxMemory = "max_memory"
            case maxStorage = "max_storage"
            case storeDirectory = "store_dir"
            case domain
        }
    }

    package struct API: Encodable, Sendable {
        package var total: UInt64
        package var errors: UInt64
    }

    package var serverID: String
    package var now: String
    package var disabled: Bool?
    package var config: Config?
    package var memory: UInt64
    package var storage: UInt64
    package var reservedMemory: UInt64
    package var reservedStorage: UInt64
    package var accounts: Int
    package var haAssets: Int
    package var api: API
    package var streams: Int
    package var consumers: Int
    package var messages: UInt64
    package var bytes: UInt64
    package var accountDetails: [AccountDetail]?

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case now, disabled, config, memory, storage, accounts, api, streams, consumers, messages, bytes
        case accountDetails = "account_details"
        case reservedMemory = "reserved_memory"
        case reservedStorage = "reserved_storage"
        case haAssets = "ha_assets"
    }
}

/// `/leafz` (nats-server 2.9 `Leafz`, `LeafInfo`).
package struct Leafz: Encodable, Sendable {
    package struct Leaf: Encodable, Sendable {
        package var account: String
        package var ip: String
        package var port: Int
        package var rtt: String
        package var inMsgs: Int
        package var outMsgs: Int
        package var inBytes: Int
        package var outBytes: Int
        package var subscriptions: Int
        package var subscriptionsList: [String]?

        enum CodingKeys: String, CodingKey {
            case account, ip, port, rtt, subscriptions
            case inMsgs = "in_msgs"
            case outMsgs = "out_msgs"
            case inBytes = "in_bytes"
            case outBytes = "out_bytes"
            case subscriptionsList = "subscriptions_list"
        }
    }

    package var serverID: String
    package var now: String
    package var leafnodes: Int
    package var leafs: [Leaf]

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case now, leafnodes, leafs
    }
}

package struct Connz: Encodable, Sendable {
    package var serverID: String
    package var now: String
    package var numConnections: Int
    package var total: Int
    package var offset: Int
    package var limit: Int
    package var connections: [ConnectionInfo]

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case now
        case numConnections = "num_connections"
        case total, offset, limit, connections
    }
}

/// One entry of `/connz`.
package struct ConnectionInfo: Encodable, Sendable {
    package var cid: UInt64
    package var kind = "Client"
    package var type = "nats"
    package var ip: String
    package var port: Int
    package var start: String
    package var lastActivity: String
    package var rtt: String
    package var uptime: String
    package var idle: String
    package var pendingBytes: Int
    package var inMsgs: Int
    package var outMsgs: Int
    package var inBytes: Int
    package var outBytes: Int
    package var subscriptions: Int
    package var name: String?
    package var lang: String?
    package var version: String?
    package var subscriptionsList: [String]?

    enum CodingKeys: String, CodingKey {
        case cid, kind, type, ip, port, start
        case lastActivity = "last_activity"
        case rtt, uptime, idle
        case pendingBytes = "pending_bytes"
        case inMsgs = "in_msgs"
        case outMsgs = "out_msgs"
        case inBytes = "in_bytes"
        case outBytes = "out_bytes"
        case subscriptions, name, lang, version
        case subscriptionsList = "subscriptions_list"
    }
}
