import NIOCore

/// One protocol operation read from a peer: a client (``ProtocolDialect/client``), a server
/// seen from the client side (``ProtocolDialect/server``), or a leafnode peer
/// (``ProtocolDialect/leaf``).
///
/// Byte-string fields are slices of the receive buffer, not copies: keep them only as long as
/// the operation is being handled, and copy what must outlive it (a stored message, a
/// subscription's subject).
///
/// The module's API is `public` rather than `package` for speed: Swift 6.3 does not inline or
/// specialise `@inlinable package` declarations in other modules, and these types are on every
/// message.
public enum ProtocolOp {
    /// `CONNECT {json}`: the JSON object, unparsed.
    case connect(ByteBuffer)
    /// `PUB` or `HPUB` from a client.
    case publish(MessageOp)
    /// `SUB subject [queue] sid` from a client.
    case subscribe(SubscribeOp)
    /// `UNSUB sid [max]` from a client.
    case unsubscribe(UnsubscribeOp)
    /// `MSG` or `HMSG` from a server (``MessageOp/sid`` is set).
    case message(MessageOp)
    /// `LMSG` or `HMSG` from a leafnode peer (``MessageOp/queues`` may be set).
    case leafMessage(MessageOp)
    /// `LS+ subject [queue weight]` from a leafnode peer.
    case leafSubscribe(LeafInterestOp)
    /// `LS- subject [queue]` from a leafnode peer.
    case leafUnsubscribe(LeafInterestOp)
    case ping
    case pong
    /// `INFO {json}`.
    case info(ByteBuffer)
    /// `+OK`.
    case ok
    /// `-ERR text`.
    case error(ByteBuffer)
}

/// A message with its payload: `PUB`/`HPUB`, `MSG`/`HMSG`, `LMSG`/leaf `HMSG`.
///
/// It keeps one slice of the receive buffer (`frame`: the whole operation, control line and
/// payload) and the offsets of its parts in it, instead of one slice per part: on the message
/// path every slice is a reference count taken and dropped per message.
public struct MessageOp {
    public typealias Range32 = (start: Int32, count: Int32)

    /// The whole operation as received.
    public let frame: ByteBuffer
    @usableFromInline let subjectRange: Range32
    @usableFromInline let replyRange: Range32?
    @usableFromInline let payloadRange: Range32
    /// `MSG`: the subscription id. `LMSG`: the queue group names, space separated.
    @usableFromInline let extraRange: Range32?
    /// Length of the header block at the start of the payload, or `nil` without headers.
    public let headerLength: Int?

    @usableFromInline
    init(frame: ByteBuffer, subjectRange: Range32, replyRange: Range32?, payloadRange: Range32, extraRange: Range32?, headerLength: Int?) {
        self.frame = frame
        self.subjectRange = subjectRange
        self.replyRange = replyRange
        self.payloadRange = payloadRange
        self.extraRange = extraRange
        self.headerLength = headerLength
    }

    /// Builds an operation from separate pieces (internal publishers): one buffer, sized once,
    /// with the header block (if any) written just before the body.
    public init(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8]) {
        let headerCount = headers?.count ?? 0
        var frame = ByteBuffer()
        frame.reserveCapacity(subject.utf8.count + (reply?.utf8.count ?? 0) + headerCount + payload.count)
        frame.writeString(subject)
        var replyRange: Range32?
        if let reply {
            replyRange = (Int32(frame.writerIndex), Int32(reply.utf8.count))
            frame.writeString(reply)
        }
        let payloadStart = Int32(frame.writerIndex)
        if let headers { frame.writeBytes(headers) }
        frame.writeBytes(payload)
        self.init(
            frame: frame,
            subjectRange: (0, Int32(subject.utf8.count)),
            replyRange: replyRange,
            payloadRange: (payloadStart, Int32(headerCount + payload.count)),
            extraRange: nil,
            headerLength: headerCount > 0 ? headerCount : nil
        )
    }

    /// The subject, as a slice.
    public var subject: ByteBuffer { slice(subjectRange) }
    /// The reply subject, as a slice.
    public var reply: ByteBuffer? { replyRange.map { slice($0) } }
    /// Headers (if any) and body, as a slice.
    public var payload: ByteBuffer { slice(payloadRange) }
    /// The subscription id of a `MSG`/`HMSG`.
    public var sid: ByteBuffer? { extraRange.map { slice($0) } }
    /// The queue group names of an `LMSG`/leaf `HMSG` (empty for plain messages).
    public var queues: [String] {
        guard let extraRange else { return [] }
        return String(buffer: slice(extraRange)).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }
    public var hasReply: Bool { replyRange != nil }
    public var payloadCount: Int { Int(payloadRange.count) }

    private func slice(_ range: Range32) -> ByteBuffer {
        frame.getSlice(at: frame.readerIndex + Int(range.start), length: Int(range.count))!
    }

    /// Calls `body` with the subject, reply and payload bytes, without copying or slicing.
    @inlinable @inline(__always)
    public func withUnsafeParts<Result>(
        _ body: (_ subject: UnsafeRawBufferPointer, _ reply: UnsafeRawBufferPointer?, _ payload: UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        try frame.withUnsafeReadableBytes { bytes in
            let subject = UnsafeRawBufferPointer(rebasing: bytes[Int(subjectRange.start)..<Int(subjectRange.start + subjectRange.count)])
            let payload = UnsafeRawBufferPointer(rebasing: bytes[Int(payloadRange.start)..<Int(payloadRange.start + payloadRange.count)])
            if let replyRange {
                let reply = UnsafeRawBufferPointer(rebasing: bytes[Int(replyRange.start)..<Int(replyRange.start + replyRange.count)])
                return try body(subject, reply, payload)
            }
            return try body(subject, nil, payload)
        }
    }
}

/// `SUB subject [queue] sid`.
public struct SubscribeOp {
    public var subject: ByteBuffer
    public var queue: ByteBuffer?
    public var sid: ByteBuffer

    public init(subject: ByteBuffer, queue: ByteBuffer?, sid: ByteBuffer) {
        self.subject = subject
        self.queue = queue
        self.sid = sid
    }
}

/// `UNSUB sid [max]`.
public struct UnsubscribeOp {
    public var sid: ByteBuffer
    /// Deliver at most this many messages in all, then remove the subscription; 0 = now.
    public var maxMessages: Int?

    public init(sid: ByteBuffer, maxMessages: Int?) {
        self.sid = sid
        self.maxMessages = maxMessages
    }
}

/// `LS+ subject [queue weight]` or `LS- subject [queue]`.
public struct LeafInterestOp {
    public var subject: ByteBuffer
    public var queue: ByteBuffer?
    /// Queue weight (how many members the peer has); 1 without a queue.
    public var weight: Int

    public init(subject: ByteBuffer, queue: ByteBuffer?, weight: Int) {
        self.subject = subject
        self.queue = queue
        self.weight = weight
    }
}

/// Which peer's operations a parser accepts. A verb of another dialect is an unknown operation,
/// as in nats-server (a client sending `MSG` or `LS+` gets "Unknown Protocol Operation").
public enum ProtocolDialect: Sendable {
    /// What clients send to a server.
    case client
    /// What a server sends to a client.
    case server
    /// What leafnode peers send each other.
    case leaf
}
