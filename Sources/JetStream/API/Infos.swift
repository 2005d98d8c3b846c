/// `$JS.API.STREAM.INFO` and friends: a stream's configuration, creation time and state.
public struct StreamInfo: Codable, Sendable {
    public var config: StreamConfiguration
    public var created: JetStreamTime
    public var state: StreamState
    public var domain: String?
    public var cluster: ClusterInfo?
    public var mirror: StreamSourceInfo?
    public var sources: [StreamSourceInfo]?

    public init(config: StreamConfiguration, created: JetStreamTime, state: StreamState, domain: String?, cluster: ClusterInfo?) {
        self.config = config
        self.created = created
        self.state = state
        self.domain = domain
        self.cluster = cluster
    }

    enum CodingKeys: String, CodingKey {
        case config, created, state, domain, cluster, mirror, sources
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(config, forKey: .config)
        try container.encode(created, forKey: .created)
        try container.encode(state, forKey: .state)
        if let domain, !domain.isEmpty { try container.encode(domain, forKey: .domain) }
        try container.encodeIfPresent(cluster, forKey: .cluster)
        try container.encodeIfPresent(mirror, forKey: .mirror)
        if let sources, !sources.isEmpty { try container.encode(sources, forKey: .sources) }
    }
}

/// A stream's counters (`StreamState`).
public struct StreamState: Codable, Sendable, Equatable {
    public var messages: UInt64 = 0
    public var bytes: UInt64 = 0
    public var firstSequence: UInt64 = 0
    public var firstTime: JetStreamTime = .zero
    public var lastSequence: UInt64 = 0
    public var lastTime: JetStreamTime = .zero
    public var subjectCount: Int = 0
    public var subjects: [String: UInt64]?
    public var deletedCount: Int = 0
    public var deleted: [UInt64]?
    public var consumerCount: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case messages, bytes, subjects, deleted
        case firstSequence = "first_seq"
        case firstTime = "first_ts"
        case lastSequence = "last_seq"
        case lastTime = "last_ts"
        case subjectCount = "num_subjects"
        case deletedCount = "num_deleted"
        case consumerCount = "consumer_count"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messages = try container.decodeIfPresent(UInt64.self, forKey: .messages) ?? 0
        bytes = try container.decodeIfPresent(UInt64.self, forKey: .bytes) ?? 0
        firstSequence = try container.decodeIfPresent(UInt64.self, forKey: .firstSequence) ?? 0
        firstTime = try container.decodeIfPresent(JetStreamTime.self, forKey: .firstTime) ?? .zero
        lastSequence = try container.decodeIfPresent(UInt64.self, forKey: .lastSequence) ?? 0
        lastTime = try container.decodeIfPresent(JetStreamTime.self, forKey: .lastTime) ?? .zero
        subjectCount = try container.decodeIfPresent(Int.self, forKey: .subjectCount) ?? 0
        subjects = try container.decodeIfPresent([String: UInt64].self, forKey: .subjects)
        deletedCount = try container.decodeIfPresent(Int.self, forKey: .deletedCount) ?? 0
        deleted = try container.decodeIfPresent([UInt64].self, forKey: .deleted)
        consumerCount = try container.decodeIfPresent(Int.self, forKey: .consumerCount) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(firstSequence, forKey: .firstSequence)
        try container.encode(firstTime, forKey: .firstTime)
        try container.encode(lastSequence, forKey: .lastSequence)
        try container.encode(lastTime, forKey: .lastTime)
        if subjectCount != 0 { try container.encode(subjectCount, forKey: .subjectCount) }
        if let subjects, !subjects.isEmpty { try container.encode(subjects, forKey: .subjects) }
        if deletedCount != 0 { try container.encode(deletedCount, forKey: .deletedCount) }
        if let deleted, !deleted.isEmpty { try container.encode(deleted, forKey: .deleted) }
        try container.encode(consumerCount, forKey: .consumerCount)
    }
}

/// `cluster` in infos: on a single server, just the leader (this server's name).
public struct ClusterInfo: Codable, Sendable, Equatable {
    public var name: String?
    public var leader: String?

    public init(name: String? = nil, leader: String?) {
        self.name = name
        self.leader = leader
    }
}

/// The state of a mirror or source (`StreamSourceInfo`).
public struct StreamSourceInfo: Codable, Sendable, Equatable {
    public var name: String
    public var external: ExternalStream?
    public var lag: UInt64
    /// Nanoseconds since the source was last heard from; -1 when never.
    public var active: Int64
    public var error: JetStreamAPIError?

    public init(name: String, external: ExternalStream?, lag: UInt64, active: Int64, error: JetStreamAPIError?) {
        self.name = name
        self.external = external
        self.lag = lag
        self.active = active
        self.error = error
    }
}

/// `$JS.API.CONSUMER.INFO` and friends.
public struct ConsumerInfo: Codable, Sendable {
    public var streamName: String
    public var name: String
    public var created: JetStreamTime
    public var config: ConsumerConfiguration
    public var delivered: SequenceInfo
    public var ackFloor: SequenceInfo
    public var ackPendingCount: Int
    public var redeliveredCount: Int
    public var waitingCount: Int
    public var pendingCount: UInt64
    public var cluster: ClusterInfo?
    public var pushBound: Bool
    /// Leaves `config` out when encoding (`/jsz` without `config=true`).
    public var omitsConfig = false

    public init(
        streamName: String, name: String, created: JetStreamTime, config: ConsumerConfiguration, delivered: SequenceInfo,
        ackFloor: SequenceInfo, ackPendingCount: Int, redeliveredCount: Int, waitingCount: Int, pendingCount: UInt64,
        cluster: ClusterInfo?, pushBound: Bool
    ) {
        self.streamName = streamName
        self.name = name
        self.created = created
        self.config = config
        self.delivered = delivered
        self.ackFloor = ackFloor
        self.ackPendingCount = ackPendingCount
        self.redeliveredCount = redeliveredCount
        self.waitingCount = waitingCount
        self.pendingCount = pendingCount
        self.cluster = cluster
        self.pushBound = pushBound
    }

    enum CodingKeys: String, CodingKey {
        case name, created, config, delivered, cluster
        case streamName = "stream_name"
        case ackFloor = "ack_floor"
        case ackPendingCount = "num_ack_pending"
        case redeliveredCount = "num_redelivered"
        case waitingCount = "num_waiting"
        case pendingCount = "num_pending"
        case pushBound = "push_bound"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        streamName = try container.decode(String.self, forKey: .streamName)
        name = try container.decode(String.self, forKey: .name)
        created = try container.decode(JetStreamTime.self, forKey: .created)
        config = try container.decode(ConsumerConfiguration.self, forKey: .config)
        delivered = try container.decode(SequenceInfo.self, forKey: .delivered)
        ackFloor = try container.decode(SequenceInfo.self, forKey: .ackFloor)
        ackPendingCount = try container.decode(Int.self, forKey: .ackPendingCount)
        redeliveredCount = try container.decode(Int.self, forKey: .redeliveredCount)
        waitingCount = try container.decode(Int.self, forKey: .waitingCount)
        pendingCount = try container.decode(UInt64.self, forKey: .pendingCount)
        cluster = try container.decodeIfPresent(ClusterInfo.self, forKey: .cluster)
        pushBound = try container.decodeIfPresent(Bool.self, forKey: .pushBound) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(streamName, forKey: .streamName)
        try container.encode(name, forKey: .name)
        try container.encode(created, forKey: .created)
        if !omitsConfig { try container.encode(config, forKey: .config) }
        try container.encode(delivered, forKey: .delivered)
        try container.encode(ackFloor, forKey: .ackFloor)
        try container.encode(ackPendingCount, forKey: .ackPendingCount)
        try container.encode(redeliveredCount, forKey: .redeliveredCount)
        try container.encode(waitingCount, forKey: .waitingCount)
        try container.encode(pendingCount, forKey: .pendingCount)
        try container.encodeIfPresent(cluster, forKey: .cluster)
        if pushBound { try container.encode(pushBound, forKey: .pushBound) }
    }
}

/// Consumer and stream sequence of a consumer's position (`SequenceInfo`).
public struct SequenceInfo: Codable, Sendable, Equatable {
    public var consumerSequence: UInt64
    public var streamSequence: UInt64
    public var lastActive: JetStreamTime?

    public init(consumerSequence: UInt64, streamSequence: UInt64, lastActive: JetStreamTime? = nil) {
        self.consumerSequence = consumerSequence
        self.streamSequence = streamSequence
        self.lastActive = lastActive
    }

    enum CodingKeys: String, CodingKey {
        case consumerSequence = "consumer_seq"
        case streamSequence = "stream_seq"
        case lastActive = "last_active"
    }
}
