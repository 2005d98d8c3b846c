import NIOCore

/// `/jsz` details: what nats-server 2.9's monitor puts under `account_details[].stream_detail`.
extension JetStreamEngine {
    /// The streams, sorted by name, read on the engine's loop.
    /// - Parameters:
    ///   - consumers: with each stream's `consumer_detail`.
    ///   - config: with the stream's and consumers' configurations.
    public func streamDetails(consumers: Bool, config: Bool) -> EventLoopFuture<[JetStreamStreamDetail]> {
        eventLoop.submit {
            self.streams.values.sorted { $0.name < $1.name }.map { stream in
                let state = (try? stream.state(subjectsFilter: nil, deletedDetails: false)) ?? StreamState()
                var detail = JetStreamStreamDetail(
                    name: stream.name, created: stream.created, cluster: ClusterInfo(leader: self.configuration.serverName), state: state)
                if config { detail.config = stream.configuration }
                if consumers {
                    detail.consumers = stream.consumers.values.sorted { $0.name < $1.name }.map { consumer in
                        // As CONSUMER.INFO gives it, without `cluster` on a single server.
                        var info = consumer.info()
                        info.cluster = nil
                        info.omitsConfig = !config
                        return info
                    }
                }
                return detail
            }
        }
    }
}

/// One stream in `/jsz` (nats-server `StreamDetail`).
public struct JetStreamStreamDetail: Encodable, Sendable {
    public var name: String
    public var created: JetStreamTime
    public var cluster: ClusterInfo?
    public var config: StreamConfiguration?
    public var state: StreamState
    public var consumers: [ConsumerInfo]?

    enum CodingKeys: String, CodingKey {
        case name, created, cluster, config, state
        case consumers = "consumer_detail"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(created, forKey: .created)
        try container.encodeIfPresent(cluster, forKey: .cluster)
        try container.encodeIfPresent(config, forKey: .config)
        try container.encode(state, forKey: .state)
        if let consumers, !consumers.isEmpty { try container.encode(consumers, forKey: .consumers) }
    }
}
