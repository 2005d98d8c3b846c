/// One entry of `accounts { NAME: { users, exports, imports } }` (nats-server accounts without
/// operator mode): clients of different accounts see nothing of each other, except what one
/// exports and the other imports.
package struct AccountSettings: Hashable, Sendable {
    package var name: String
    package var users: [AuthorizedUser] = []
    package var exports: [AccountExport] = []
    package var imports: [AccountImport] = []
    package var position: ConfigPosition?
    /// `jetstream: enabled` or `jetstream { max_mem, max_file, max_streams, max_consumers }`:
    /// JetStream in this account (nil: none).
    package var jetStream: AccountJetStreamLimits?

    package init(name: String) {
        self.name = name
    }
}

/// `{ stream: "events.>" }` or `{ service: "time.>" }`, optionally only to `accounts: [...]`.
package struct AccountExport: Hashable, Sendable {
    package var subject: String
    package var isService: Bool
    /// Who may import it; nil: everyone.
    package var accounts: [String]?
    package var position: ConfigPosition?
}

/// `{ stream: { account: A, subject: "events.>" }, to: "a.events.>" }` or
/// `{ service: { account: A, subject: "time" }, to: "a.time" }` (`prefix` for streams too).
package struct AccountImport: Hashable, Sendable {
    package var account: String
    package var subject: String
    package var isService: Bool
    /// The local subject (service) or where the stream's messages appear (stream); nil: the same.
    package var to: String?
    /// Streams: a prefix put before the subject (nats-server's older form of `to`).
    package var prefix: String?
    package var position: ConfigPosition?
}

/// An account's JetStream limits (nats-server `JetStreamAccountLimits`); -1 is no limit.
package struct AccountJetStreamLimits: Hashable, Sendable {
    package var maxMemory: Int64 = -1
    package var maxStorage: Int64 = -1
    package var maxStreams = -1
    package var maxConsumers = -1
    /// Per stream and consumer: the most `max_ack_pending` a consumer may have (-1: none), the
    /// most `max_bytes` a memory or file stream may have (-1: none), and whether every stream
    /// must set `max_bytes`.
    package var maxAckPending = -1
    package var memoryMaxStreamBytes: Int64 = -1
    package var storageMaxStreamBytes: Int64 = -1
    package var maxBytesRequired = false

    package init() {}
}
