/// One message as a stream keeps it.
public struct StoredMessage: Sendable, Equatable {
    /// The stream sequence, assigned by the stream (1, 2, 3, ...; gaps where messages were removed).
    public var sequence: UInt64
    public var subject: String
    /// The header block (`NATS/1.0\r\n...\r\n\r\n`), or `nil` for a message without headers.
    public var headers: [UInt8]?
    public var payload: [UInt8]
    /// When the stream stored it, in nanoseconds since 1970 (UTC).
    public var timestamp: Int64

    public init(sequence: UInt64, subject: String, headers: [UInt8]?, payload: [UInt8], timestamp: Int64) {
        self.sequence = sequence
        self.subject = subject
        self.headers = headers
        self.payload = payload
        self.timestamp = timestamp
    }

    /// What counts against `max_bytes` and in `bytes` of the stream state, as nats-server counts
    /// it for file storage (`fileStoreMsgSize`: a 30-byte record overhead, 4 more with headers),
    /// so clients that check `bytes` see the reference's figures.
    public var storedSize: UInt64 {
        guard let headers, !headers.isEmpty else { return UInt64(30 + subject.utf8.count + payload.count) }
        return UInt64(34 + subject.utf8.count + headers.count + payload.count)
    }

    /// The same for memory storage (`memStoreMsgSize`: 16 bytes of overhead).
    public var memoryStoredSize: UInt64 {
        UInt64(subject.utf8.count + (headers?.count ?? 0) + payload.count + 16)
    }
}
