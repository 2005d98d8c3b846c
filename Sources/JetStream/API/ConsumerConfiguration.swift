/// A consumer's configuration (nats-server `server/consumer.go` `ConsumerConfig`), decoded with
/// Go's zero values for absent fields, encoded with the reference's omitted-when-empty fields.
public struct ConsumerConfiguration: Codable, Sendable, Equatable {
    public enum DeliverPolicy: String, Codable, Sendable {
        case all, last, new
        case byStartSequence = "by_start_sequence"
        case byStartTime = "by_start_time"
        case lastPerSubject = "last_per_subject"
    }

    public enum AckPolicy: String, Codable, Sendable { case none, all, explicit }
    public enum ReplayPolicy: String, Codable, Sendable { case instant, original }

    public var durableName: String?
    public var name: String?
    public var description: String?
    public var deliverPolicy: DeliverPolicy = .all
    public var optionalStartSequence: UInt64 = 0
    public var optionalStartTime: JetStreamTime?
    public var ackPolicy: AckPolicy = .none
    /// Nanoseconds.
    public var ackWait: Int64 = 0
    public var maxDeliver: Int = 0
    /// Nanoseconds, one per redelivery.
    public var backoff: [Int64]?
    public var filterSubject: String?
    public var filterSubjects: [String]?
    public var replayPolicy: ReplayPolicy = .instant
    public var rateLimit: UInt64 = 0
    public var sampleFrequency: String?
    public var maxWaiting: Int = 0
    public var maxAckPending: Int = 0
    /// Nanoseconds.
    public var idleHeartbeat: Int64 = 0
    public var flowControl = false
    public var headersOnly = false
    public var maxBatch: Int = 0
    /// Nanoseconds.
    public var maxExpires: Int64 = 0
    public var maxBytes: Int = 0
    public var deliverSubject: String?
    public var deliverGroup: String?
    /// Nanoseconds.
    public var inactiveThreshold: Int64 = 0
    public var replicas: Int = 0
    public var memoryStorage = false
    public var direct = false
    public var metadata: [String: String]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, description, backoff, direct, metadata
        case durableName = "durable_name"
        case deliverPolicy = "deliver_policy"
        case optionalStartSequence = "opt_start_seq"
        case optionalStartTime = "opt_start_time"
        case ackPolicy = "ack_policy"
        case ackWait = "ack_wait"
        case maxDeliver = "max_deliver"
        case filterSubject = "filter_subject"
        case filterSubjects = "filter_subjects"
        case replayPolicy = "replay_policy"
        case rateLimit = "rate_limit_bps"
        case sampleFrequency = "sample_freq"
        case maxWaiting = "max_waiting"
        case maxAckPending = "max_ack_pending"
        case idleHeartbeat = "idle_heartbeat"
        case flowControl = "flow_control"
        case headersOnly = "headers_only"
        case maxBatch = "max_batch"
        case maxExpires = "max_expires"
        case maxBytes = "max_bytes"
        case deliverSubject = "deliver_subject"
        case deliverGroup = "deliver_group"
        case inactiveThreshold = "inactive_threshold"
        case replicas = "num_replicas"
        case memoryStorage = "mem_storage"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        durableName = try container.decodeIfPresent(String.self, forKey: .durableName)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        deliverPolicy = try container.decodeIfPresent(DeliverPolicy.self, forKey: .deliverPolicy) ?? .all
        optionalStartSequence = try container.decodeIfPresent(UInt64.self, forKey: .optionalStartSequence) ?? 0
        optionalStartTime = try container.decodeIfPresent(JetStreamTime.self, forKey: .optionalStartTime)
        ackPolicy = try container.decodeIfPresent(AckPolicy.self, forKey: .ackPolicy) ?? .none
        ackWait = try container.decodeIfPresent(Int64.self, forKey: .ackWait) ?? 0
        maxDeliver = try container.decodeIfPresent(Int.self, forKey: .maxDeliver) ?? 0
        backoff = try container.decodeIfPresent([Int64].self, forKey: .backoff)
        filterSubject = try container.decodeIfPresent(String.self, forKey: .filterSubject)
        filterSubjects = try container.decodeIfPresent([String].self, forKey: .filterSubjects)
        replayPolicy = try container.decodeIfPresent(ReplayPolicy.self, forKey: .replayPolicy) ?? .instant
        rateLimit = try container.decodeIfPresent(UInt64.self, forKey: .rateLimit) ?? 0
        sampleFrequency = try container.decodeIfPresent(String.self, forKey: .sampleFrequency)
        maxWaiting = try container.decodeIfPresent(Int.self, forKey: .maxWaiting) ?? 0
        maxAckPending = try container.decodeIfPresent(Int.self, forKey: .maxAckPending) ?? 0
        idleHeartbeat = try container.decodeIfPresent(Int64.self, forKey: .idleHeartbeat) ?? 0
        flowControl = try container.decodeIfPresent(Bool.self, forKey: .flowControl) ?? false
        headersOnly = try container.decodeIfPresent(Bool.self, forKey: .headersOnly) ?? false
        maxBatch = try container.decodeIfPresent(Int.self, forKey: .maxBatch) ?? 0
        maxExpires = try container.decodeIfPresent(Int64.self, forKey: .maxExpires) ?? 0
        maxBytes = try container.decodeIfPresent(Int.self, forKey: .maxBytes) ?? 0
        deliverSubject = try container.decodeIfPresent(String.self, forKey: .deliverSubject)
        deliverGroup = try container.decodeIfPresent(String.self, forKey: .deliverGroup)
        inactiveThreshold = try container.decodeIfPresent(Int64.self, forKey: .inactiveThreshold) ?? 0
        replicas = try container.decodeIfPresent(Int.self, forKey: .replicas) ?? 0
        memoryStorage = try container.decodeIfPresent(Bool.self, forKey: .memoryStorage) ?? false
        direct = try container.decodeIfPresent(Bool.self, forKey: .direct) ?? false
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func nonEmpty(_ value: String?, _ key: CodingKeys) throws {
            if let value, !value.isEmpty { try container.encode(value, forKey: key) }
        }
        try nonEmpty(durableName, .durableName)
        try nonEmpty(name, .name)
        try nonEmpty(description, .description)
        try container.encode(deliverPolicy, forKey: .deliverPolicy)
        if optionalStartSequence != 0 { try container.encode(optionalStartSequence, forKey: .optionalStartSequence) }
        try container.encodeIfPresent(optionalStartTime, forKey: .optionalStartTime)
        try container.encode(ackPolicy, forKey: .ackPolicy)
        if ackWait != 0 { try container.encode(ackWait, forKey: .ackWait) }
        if maxDeliver != 0 { try container.encode(maxDeliver, forKey: .maxDeliver) }
        if let backoff, !backoff.isEmpty { try container.encode(backoff, forKey: .backoff) }
        try nonEmpty(filterSubject, .filterSubject)
        if let filterSubjects, !filterSubjects.isEmpty { try container.encode(filterSubjects, forKey: .filterSubjects) }
        try container.encode(replayPolicy, forKey: .replayPolicy)
        if rateLimit != 0 { try container.encode(rateLimit, forKey: .rateLimit) }
        try nonEmpty(sampleFrequency, .sampleFrequency)
        if maxWaiting != 0 { try container.encode(maxWaiting, forKey: .maxWaiting) }
        if maxAckPending != 0 { try container.encode(maxAckPending, forKey: .maxAckPending) }
        if idleHeartbeat != 0 { try container.encode(idleHeartbeat, forKey: .idleHeartbeat) }
        if flowControl { try container.encode(flowControl, forKey: .flowControl) }
        if headersOnly { try container.encode(headersOnly, forKey: .headersOnly) }
        if maxBatch != 0 { try container.encode(maxBatch, forKey: .maxBatch) }
        if maxExpires != 0 { try container.encode(maxExpires, forKey: .maxExpires) }
        if maxBytes != 0 { try container.encode(maxBytes, forKey: .maxBytes) }
        try nonEmpty(deliverSubject, .deliverSubject)
        try nonEmpty(deliverGroup, .deliverGroup)
        if inactiveThreshold != 0 { try container.encode(inactiveThreshold, forKey: .inactiveThreshold) }
        try container.encode(replicas, forKey: .replicas)
        if memoryStorage { try container.encode(memoryStorage, forKey: .memoryStorage) }
        if direct { try container.encode(direct, forKey: .direct) }
        if let metadata, !metadata.isEmpty { try container.encode(metadata, forKey: .metadata) }
    }

    /// A pull consumer has no deliver subject.
    public var isPull: Bool { (deliverSubject ?? "").isEmpty }

    /// Every filter, from `filter_subject` or `filter_subjects` (empty: all of the stream).
    public var filters: [String] {
        if let filterSubjects, !filterSubjects.isEmpty { return filterSubjects }
        if let filterSubject, !filterSubject.isEmpty { return [filterSubject] }
        return []
    }

    /// 30 seconds, nats-server's default ack wait.
    public static let defaultAckWait: Int64 = 30_000_000_000
    /// nats-server's default `max_ack_pending` (`JsDefaultMaxAckPending`).
    public static let defaultMaxAckPending = 1000
    /// nats-server's default `max_waiting` for pull consumers.
    public static let defaultMaxWaiting = 512

    /// The configuration with nats-server's defaults (`setConsumerConfigDefaults`).
    public func normalized() -> ConsumerConfiguration {
        var configuration = self
        if configuration.maxDeliver == 0 { configuration.maxDeliver = -1 }
        if configuration.ackPolicy != .none && configuration.ackWait == 0 {
            configuration.ackWait = Self.defaultAckWait
        }
        // A backoff list overrides the ack wait (nats-server `setConsumerConfigDefaults`).
        if let first = configuration.backoff?.first { configuration.ackWait = first }
        if configuration.ackPolicy != .none && configuration.maxAckPending == 0 {
            configuration.maxAckPending = Self.defaultMaxAckPending
        }
        if configuration.isPull && configuration.maxWaiting == 0 {
            configuration.maxWaiting = Self.defaultMaxWaiting
        }
        if let filterSubjects = configuration.filterSubjects, filterSubjects.count == 1 {
            configuration.filterSubject = filterSubjects[0]
            configuration.filterSubjects = nil
        }
        return configuration
    }
}
