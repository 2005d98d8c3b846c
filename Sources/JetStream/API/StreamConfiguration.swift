/// A stream's configuration, as JSON in `$JS.API.STREAM.CREATE` and in stream info
/// (nats-server `server/stream.go` `StreamConfig`). Decoding accepts what clients send (absent
/// fields take Go's zero values); ``normalized()`` applies the server's defaults; encoding writes
/// the fields nats-server writes and leaves out the ones it omits when empty.
public struct StreamConfiguration: Codable, Sendable, Equatable {
    public enum Retention: String, Codable, Sendable { case limits, interest, workqueue }
    public enum Discard: String, Codable, Sendable { case old, new }
    public enum Storage: String, Codable, Sendable { case file, memory }

    public var name: String = ""
    public var description: String?
    public var subjects: [String] = []
    public var retention: Retention = .limits
    public var maxConsumers: Int = 0
    public var maxMessages: Int64 = 0
    public var maxBytes: Int64 = 0
    /// Nanoseconds; 0 = no limit.
    public var maxAge: Int64 = 0
    public var maxMessagesPerSubject: Int64 = 0
    public var maxMessageSize: Int32 = 0
    public var discard: Discard = .old
    public var storage: Storage = .file
    public var replicas: Int = 0
    public var noAck = false
    public var templateOwner: String?
    /// Nanoseconds.
    public var duplicateWindow: Int64 = 0
    public var placement: Placement?
    public var mirror: StreamSource?
    public var sources: [StreamSource]?
    public var republish: Republish?
    public var allowDirect = false
    public var mirrorDirect = false
    public var discardNewPerSubject = false
    public var sealed = false
    public var denyDelete = false
    public var denyPurge = false
    public var allowRollupHeaders = false
    public var metadata: [String: String]?
    /// The first message's sequence (nats-server 2.10); 0: 1.
    public var firstSequence: UInt64 = 0

    public init(name: String = "", subjects: [String] = []) {
        self.name = name
        self.subjects = subjects
    }

    enum CodingKeys: String, CodingKey {
        case name, description, subjects, retention, discard, storage, placement, mirror, sources, republish, sealed, metadata
        case maxConsumers = "max_consumers"
        case maxMessages = "max_msgs"
        case maxBytes = "max_bytes"
        case maxAge = "max_age"
        case maxMessagesPerSubject = "max_msgs_per_subject"
        case maxMessageSize = "max_msg_size"
        case replicas = "num_replicas"
        case noAck = "no_ack"
        case templateOwner = "template_owner"
        case duplicateWindow = "duplicate_window"
        case allowDirect = "allow_direct"
        case mirrorDirect = "mirror_direct"
        case discardNewPerSubject = "discard_new_per_subject"
        case denyDelete = "deny_delete"
        case denyPurge = "deny_purge"
        case allowRollupHeaders = "allow_rollup_hdrs"
        case firstSequence = "first_seq"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        description = try container.decodeIfPresent(String.self, forKey: .description)
        subjects = try container.decodeIfPresent([String].self, forKey: .subjects) ?? []
        retention = try container.decodeIfPresent(Retention.self, forKey: .retention) ?? .limits
        maxConsumers = try container.decodeIfPresent(Int.self, forKey: .maxConsumers) ?? 0
        maxMessages = try container.decodeIfPresent(Int64.self, forKey: .maxMessages) ?? 0
        maxBytes = try container.decodeIfPresent(Int64.self, forKey: .maxBytes) ?? 0
        maxAge = try container.decodeIfPresent(Int64.self, forKey: .maxAge) ?? 0
        maxMessagesPerSubject = try container.decodeIfPresent(Int64.self, forKey: .maxMessagesPerSubject) ?? 0
        maxMessageSize = try container.decodeIfPresent(Int32.self, forKey: .maxMessageSize) ?? 0
        discard = try container.decodeIfPresent(Discard.self, forKey: .discard) ?? .old
        storage = try container.decodeIfPresent(Storage.self, forKey: .storage) ?? .file
        replicas = try container.decodeIfPresent(Int.self, forKey: .replicas) ?? 0
        noAck = try container.decodeIfPresent(Bool.self, forKey: .noAck) ?? false
        templateOwner = try container.decodeIfPresent(String.self, forKey: .templateOwner)
        duplicateWindow = try container.decodeIfPresent(Int64.self, forKey: .duplicateWindow) ?? 0
        placement = try container.decodeIfPresent(Placement.self, forKey: .placement)
        mirror = try container.decodeIfPresent(StreamSource.self, forKey: .mirror)
        sources = try container.decodeIfPresent([StreamSource].self, forKey: .sources)
        republish = try container.decodeIfPresent(Republish.self, forKey: .republish)
        allowDirect = try container.decodeIfPresent(Bool.self, forKey: .allowDirect) ?? false
        mirrorDirect = try container.decodeIfPresent(Bool.self, forKey: .mirrorDirect) ?? false
        discardNewPerSubject = try container.decodeIfPresent(Bool.self, forKey: .discardNewPerSubject) ?? false
        sealed = try container.decodeIfPresent(Bool.self, forKey: .sealed) ?? false
        denyDelete = try container.decodeIfPresent(Bool.self, forKey: .denyDelete) ?? false
        denyPurge = try container.decodeIfPresent(Bool.self, forKey: .denyPurge) ?? false
        allowRollupHeaders = try container.decodeIfPresent(Bool.self, forKey: .allowRollupHeaders) ?? false
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
        firstSequence = try container.decodeIfPresent(UInt64.self, forKey: .firstSequence) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        if let description, !description.isEmpty { try container.encode(description, forKey: .description) }
        if !subjects.isEmpty { try container.encode(subjects, forKey: .subjects) }
        try container.encode(retention, forKey: .retention)
        try container.encode(maxConsumers, forKey: .maxConsumers)
        try container.encode(maxMessages, forKey: .maxMessages)
        try container.encode(maxBytes, forKey: .maxBytes)
        try container.encode(maxAge, forKey: .maxAge)
        try container.encode(maxMessagesPerSubject, forKey: .maxMessagesPerSubject)
        if maxMessageSize != 0 { try container.encode(maxMessageSize, forKey: .maxMessageSize) }
        try container.encode(discard, forKey: .discard)
        try container.encode(storage, forKey: .storage)
        try container.encode(replicas, forKey: .replicas)
        if noAck { try container.encode(noAck, forKey: .noAck) }
        if let templateOwner, !templateOwner.isEmpty { try container.encode(templateOwner, forKey: .templateOwner) }
        if duplicateWindow != 0 { try container.encode(duplicateWindow, forKey: .duplicateWindow) }
        try container.encodeIfPresent(placement, forKey: .placement)
        try container.encodeIfPresent(mirror, forKey: .mirror)
        if let sources, !sources.isEmpty { try container.encode(sources, forKey: .sources) }
        try container.encodeIfPresent(republish, forKey: .republish)
        try container.encode(sealed, forKey: .sealed)
        try container.encode(denyDelete, forKey: .denyDelete)
        try container.encode(denyPurge, forKey: .denyPurge)
        try container.encode(allowRollupHeaders, forKey: .allowRollupHeaders)
        try container.encode(allowDirect, forKey: .allowDirect)
        try container.encode(mirrorDirect, forKey: .mirrorDirect)
        if discardNewPerSubject { try container.encode(discardNewPerSubject, forKey: .discardNewPerSubject) }
        if let metadata, !metadata.isEmpty { try container.encode(metadata, forKey: .metadata) }
        if firstSequence > 0 { try container.encode(firstSequence, forKey: .firstSequence) }
    }

    /// Two minutes: nats-server's default duplicate window.
    public static let defaultDuplicateWindow: Int64 = 120_000_000_000

    /// The configuration with nats-server's defaults filled in (`checkStreamCfg`).
    public func normalized() -> StreamConfiguration {
        var configuration = self
        if configuration.maxConsumers == 0 { configuration.maxConsumers = -1 }
        if configuration.maxMessages == 0 { configuration.maxMessages = -1 }
        if configuration.maxBytes == 0 { configuration.maxBytes = -1 }
        if configuration.maxMessagesPerSubject == 0 { configuration.maxMessagesPerSubject = -1 }
        if configuration.maxMessageSize == 0 { configuration.maxMessageSize = -1 }
        if configuration.replicas == 0 { configuration.replicas = 1 }
        if configuration.duplicateWindow == 0 && configuration.mirror == nil {
            configuration.duplicateWindow =
                configuration.maxAge > 0 && configuration.maxAge < Self.defaultDuplicateWindow
                ? configuration.maxAge : Self.defaultDuplicateWindow
        }
        if configuration.subjects.isEmpty && configuration.mirror == nil && (configuration.sources ?? []).isEmpty {
            configuration.subjects = [configuration.name]
        }
        if configuration.republish?.source.isEmpty == true { configuration.republish?.source = ">" }
        return configuration
    }
}

/// `placement` (cluster and tags; kept and echoed, Outpost has one node).
public struct Placement: Codable, Sendable, Equatable {
    public var cluster: String?
    public var tags: [String]?
}

/// `republish`: copy stored messages to another subject.
public struct Republish: Codable, Sendable, Equatable {
    public var source: String
    public var destination: String
    public var headersOnly: Bool?

    public init(source: String, destination: String, headersOnly: Bool? = nil) {
        self.source = source
        self.destination = destination
        self.headersOnly = headersOnly
    }

    enum CodingKeys: String, CodingKey {
        case source = "src"
        case destination = "dest"
        case headersOnly = "headers_only"
    }

    /// `src` may be left out (all of the stream's subjects; `normalized()` writes `>`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decodeIfPresent(String.self, forKey: .source) ?? ""
        destination = try container.decodeIfPresent(String.self, forKey: .destination) ?? ""
        headersOnly = try container.decodeIfPresent(Bool.self, forKey: .headersOnly)
    }
}

/// A stream this one mirrors or sources from (`mirror`, `sources[]`).
public struct StreamSource: Codable, Sendable, Equatable {
    public var name: String
    public var optionalStartSequence: UInt64?
    public var optionalStartTime: JetStreamTime?
    public var filterSubject: String?
    public var external: ExternalStream?

    public init(name: String) {
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case name, external
        case optionalStartSequence = "opt_start_seq"
        case optionalStartTime = "opt_start_time"
        case filterSubject = "filter_subject"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        if let optionalStartSequence, optionalStartSequence > 0 {
            try container.encode(optionalStartSequence, forKey: .optionalStartSequence)
        }
        try container.encodeIfPresent(optionalStartTime, forKey: .optionalStartTime)
        if let filterSubject, !filterSubject.isEmpty { try container.encode(filterSubject, forKey: .filterSubject) }
        try container.encodeIfPresent(external, forKey: .external)
    }
}

/// Another JetStream domain or account, reached through its API prefix.
public struct ExternalStream: Codable, Sendable, Equatable {
    public var apiPrefix: String
    public var deliverPrefix: String?

    public init(apiPrefix: String, deliverPrefix: String? = nil) {
        self.apiPrefix = apiPrefix
        self.deliverPrefix = deliverPrefix
    }

    enum CodingKeys: String, CodingKey {
        case apiPrefix = "api"
        case deliverPrefix = "deliver"
    }
}
