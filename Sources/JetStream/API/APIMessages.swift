#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `type` of each JetStream API response (clients use it to decode).
public enum APIResponseType {
    public static let prefix = "io.nats.jetstream.api.v1."
    public static let accountInfo = prefix + "account_info_response"
    public static let streamCreate = prefix + "stream_create_response"
    public static let streamUpdate = prefix + "stream_update_response"
    public static let streamInfo = prefix + "stream_info_response"
    public static let streamNames = prefix + "stream_names_response"
    public static let streamList = prefix + "stream_list_response"
    public static let streamDelete = prefix + "stream_delete_response"
    public static let streamPurge = prefix + "stream_purge_response"
    public static let streamMessageGet = prefix + "stream_msg_get_response"
    public static let streamMessageDelete = prefix + "stream_msg_delete_response"
    public static let consumerCreate = prefix + "consumer_create_response"
    public static let consumerInfo = prefix + "consumer_info_response"
    public static let consumerNames = prefix + "consumer_names_response"
    public static let consumerList = prefix + "consumer_list_response"
    public static let consumerDelete = prefix + "consumer_delete_response"
}

/// Builds API response documents: `{"type":"…", <body fields>}` or `{"type":"…","error":{…}}`.
public enum APIResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// The body's JSON object with `type` added first.
    public static func success(type: String, _ body: some Encodable) -> [UInt8] {
        guard let data = try? encoder.encode(body) else { return failure(type: type, .badRequest) }
        var bytes = [UInt8](data)
        var head = Array("{\"type\":\"\(type)\"".utf8)
        // `{}` becomes `{"type":"…"}`, `{…}` becomes `{"type":"…",…}`.
        if bytes.count > 2 { head.append(UInt8(ascii: ",")) }
        bytes.removeFirst()
        return head + bytes
    }

    public static func failure(type: String, _ error: JetStreamAPIError) -> [UInt8] {
        let errorJSON = (try? encoder.encode(error)).map { [UInt8]($0) } ?? Array("{}".utf8)
        return Array("{\"type\":\"\(type)\",\"error\":".utf8) + errorJSON + [UInt8(ascii: "}")]
    }
}

/// `{"success":true}` bodies (deletes).
public struct SuccessBody: Encodable, Sendable {
    public var success = true
    public init() {}
}

/// `$JS.API.STREAM.PURGE` answer.
public struct PurgeBody: Encodable, Sendable {
    public var success = true
    public var purged: UInt64
    public init(purged: UInt64) { self.purged = purged }
}

/// A paged list under `key`: names (`STREAM.NAMES`, `CONSUMER.NAMES`) or infos (`STREAM.LIST`,
/// `CONSUMER.LIST`).
public struct ListBody<Item: Encodable & Sendable>: Encodable, Sendable {
    public var total: Int
    public var offset: Int
    public var limit: Int
    public var items: [Item]
    public var key: String

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(total, forKey: DynamicKey("total"))
        try container.encode(offset, forKey: DynamicKey("offset"))
        try container.encode(limit, forKey: DynamicKey("limit"))
        try container.encode(items, forKey: DynamicKey(key))
    }
}

struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `$JS.API.INFO`: the account's JetStream usage and limits.
public struct AccountInfoBody: Encodable, Sendable {
    public struct Limits: Encodable, Sendable {
        public var maxMemory: Int64 = -1
        public var maxStorage: Int64 = -1
        public var maxStreams: Int = -1
        public var maxConsumers: Int = -1
        public var maxAckPending: Int = -1
        public var memoryMaxStreamBytes: Int64 = -1
        public var storageMaxStreamBytes: Int64 = -1
        public var maxBytesRequired = false

        enum CodingKeys: String, CodingKey {
            case maxMemory = "max_memory"
            case maxStorage = "max_storage"
            case maxStreams = "max_streams"
            case maxConsumers = "max_consumers"
            case maxAckPending = "max_ack_pending"
            case memoryMaxStreamBytes = "memory_max_stream_bytes"
            case storageMaxStreamBytes = "storage_max_stream_bytes"
            case maxBytesRequired = "max_bytes_required"
        }
    }

    public struct APIStats: Encodable, Sendable {
        public var total: UInt64
        public var errors: UInt64
    }

    public var memory: UInt64
    public var storage: UInt64
    public var streams: Int
    public var consumers: Int
    public var limits: Limits
    public var domain: String?
    public var api: APIStats

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(memory, forKey: DynamicKey("memory"))
        try container.encode(storage, forKey: DynamicKey("storage"))
        try container.encode(streams, forKey: DynamicKey("streams"))
        try container.encode(consumers, forKey: DynamicKey("consumers"))
        try container.encode(limits, forKey: DynamicKey("limits"))
        if let domain, !domain.isEmpty { try container.encode(domain, forKey: DynamicKey("domain")) }
        try container.encode(api, forKey: DynamicKey("api"))
    }
}

/// `$JS.API.STREAM.MSG.GET` answer: `{"message":{…}}` with base64 headers and data.
public struct StoredMessageBody: Encodable, Sendable {
    public var subject: String
    public var sequence: UInt64
    public var headers: [UInt8]?
    public var data: [UInt8]
    public var time: JetStreamTime

    public init(_ message: StoredMessage) {
        subject = message.subject
        sequence = message.sequence
        headers = message.headers
        data = message.payload
        time = JetStreamTime(nanoseconds: message.timestamp)
    }

    public func encode(to encoder: any Encoder) throws {
        var outer = encoder.container(keyedBy: DynamicKey.self)
        var container = outer.nestedContainer(keyedBy: DynamicKey.self, forKey: DynamicKey("message"))
        try container.encode(subject, forKey: DynamicKey("subject"))
        try container.encode(sequence, forKey: DynamicKey("seq"))
        if let headers, !headers.isEmpty { try container.encode(Data(headers).base64EncodedString(), forKey: DynamicKey("hdrs")) }
        if !data.isEmpty { try container.encode(Data(data).base64EncodedString(), forKey: DynamicKey("data")) }
        try container.encode(time, forKey: DynamicKey("time"))
    }
}

// MARK: - Requests

/// `STREAM.NAMES`, `STREAM.LIST`, `CONSUMER.NAMES`, `CONSUMER.LIST` paging and filter.
public struct ListRequest: Decodable, Sendable {
    public var offset: Int = 0
    public var subject: String?

    public init() {}

    enum CodingKeys: String, CodingKey { case offset, subject }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        offset = max(0, try container.decodeIfPresent(Int.self, forKey: .offset) ?? 0)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
    }
}

/// `STREAM.INFO` options.
public struct StreamInfoRequest: Decodable, Sendable {
    public var deletedDetails = false
    public var subjectsFilter: String?
    public var offset = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case offset
        case deletedDetails = "deleted_details"
        case subjectsFilter = "subjects_filter"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deletedDetails = try container.decodeIfPresent(Bool.self, forKey: .deletedDetails) ?? false
        subjectsFilter = try container.decodeIfPresent(String.self, forKey: .subjectsFilter)
        offset = try container.decodeIfPresent(Int.self, forKey: .offset) ?? 0
    }
}

/// `STREAM.PURGE` options: what to purge.
public struct PurgeRequest: Decodable, Sendable {
    public var filter: String?
    /// Purge up to, not including, this sequence.
    public var sequence: UInt64?
    /// Keep this many of the newest messages.
    public var keep: UInt64?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case filter, keep
        case sequence = "seq"
    }
}

/// `STREAM.MSG.GET` and `DIRECT.GET`: by sequence, last by subject or next by subject.
public struct MessageGetRequest: Decodable, Sendable {
    public var sequence: UInt64?
    public var lastBySubject: String?
    public var nextBySubject: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sequence = "seq"
        case lastBySubject = "last_by_subj"
        case nextBySubject = "next_by_subj"
    }

    /// What is wrong with the request's combination of fields, as nats-server judges it.
    public enum Defect: Equatable, Sendable {
        /// No sequence and no subject.
        case empty
        /// A sequence with last_by_subj, or last_by_subj with next_by_subj.
        case conflicting
    }

    /// `nil` for one of: a sequence; last_by_subj; next_by_subj with or without a start sequence.
    public var defect: Defect? {
        let sequence = self.sequence ?? 0
        let last = !(lastBySubject ?? "").isEmpty
        let next = !(nextBySubject ?? "").isEmpty
        if sequence == 0 && !last && !next { return .empty }
        if sequence > 0 && last || last && next { return .conflicting }
        return nil
    }
}

/// `STREAM.MSG.DELETE`.
public struct MessageDeleteRequest: Decodable, Sendable {
    public var sequence: UInt64
    public var noErase: Bool?

    enum CodingKeys: String, CodingKey {
        case sequence = "seq"
        case noErase = "no_erase"
    }
}

/// `CONSUMER.CREATE` and `CONSUMER.DURABLE.CREATE`.
public struct CreateConsumerRequest: Decodable, Sendable {
    public var streamName: String
    public var config: ConsumerConfiguration?

    enum CodingKeys: String, CodingKey {
        case config
        case streamName = "stream_name"
    }
}

/// `CONSUMER.MSG.NEXT`: a pull request.
public struct NextRequest: Decodable, Sendable {
    public var batch: Int = 1
    /// Nanoseconds; 0 = no expiry.
    public var expires: Int64 = 0
    public var noWait = false
    public var maxBytes: Int = 0
    /// Nanoseconds.
    public var idleHeartbeat: Int64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case batch, expires
        case noWait = "no_wait"
        case maxBytes = "max_bytes"
        case idleHeartbeat = "idle_heartbeat"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        batch = try container.decodeIfPresent(Int.self, forKey: .batch) ?? 1
        expires = try container.decodeIfPresent(Int64.self, forKey: .expires) ?? 0
        noWait = try container.decodeIfPresent(Bool.self, forKey: .noWait) ?? false
        maxBytes = try container.decodeIfPresent(Int.self, forKey: .maxBytes) ?? 0
        idleHeartbeat = try container.decodeIfPresent(Int64.self, forKey: .idleHeartbeat) ?? 0
    }

    /// A pull request payload: JSON, a bare batch number, or empty (one message).
    public static func parse(_ payload: [UInt8]) -> NextRequest? {
        let trimmed = payload.drop(while: { $0 == 0x20 })
        if trimmed.isEmpty { return NextRequest() }
        if let number = Int(String(decoding: trimmed, as: UTF8.self).trimmingSpaces()) {
            var request = NextRequest()
            request.batch = number
            return request
        }
        return try? JSONDecoder().decode(NextRequest.self, from: Data(payload))
    }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\n" || first == "\r" || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\n" || last == "\r" || last == "\t" { view.removeLast() }
        return String(view)
    }
}
