import NIOCore

/// The module's API is `public` rather than `package` for speed: Swift 6.3 does not inline or
/// specialise `@inlinable package` declarations in other modules, and these types are on every
/// publish.
///
/// One protocol operation sent by a client (or read from any peer speaking the client dialect).
///
/// Byte-string fields are slices of the receive buffer, not copies: keep them only as long as
/// the operation is being handled, and copy what must outlive it (a stored message, a
/// subscription's subject).
public enum ClientOp {
    /// `CONNECT {json}`: the JSON object, unparsed.
    case connect(ByteBuffer)
    /// `PUB` or `HPUB`.
    case publish(PublishOp)
    /// `SUB subject [queue] sid`.
    case subscribe(SubscribeOp)
    /// `UNSUB sid [max]`.
    case unsubscribe(UnsubscribeOp)
    case ping
    case pong
    /// `INFO {json}` (a client does not normally send it; servers ignore it from clients).
    case info(ByteBuffer)
    /// `+OK`.
    case ok
    /// `-ERR text`.
    case error(ByteBuffer)
}

/// `PUB subject [reply] size` or `HPUB subject [reply] headerSize totalSize`, with its payload.
///
/// The operation keeps one slice of the receive buffer (`frame`: the whole operation, control
/// line and payload) and the offsets of its parts in it, instead of one slice per part: on the
/// publish path every slice is a reference count taken and dropped per message.
public struct PublishOp {
    /// The whole operation as received.
    public let frame: ByteBuffer
    @usableFromInline let subjectRange: (start: Int32, count: Int32)
    @usableFromInline let replyRange: (start: Int32, count: Int32)?
    @usableFromInline let payloadRange: (start: Int32, count: Int32)
    /// Length of the header block at the start of the payload, or `nil` for a plain `PUB`.
    public let headerLength: Int?

    @usableFromInline
    init(
        frame: ByteBuffer,
        subjectRange: (start: Int32, count: Int32),
        replyRange: (start: Int32, count: Int32)?,
        payloadRange: (start: Int32, count: Int32),
        headerLength: Int?
    ) {
        self.frame = frame
        self.subjectRange = subjectRange
        self.replyRange = replyRange
        self.payloadRange = payloadRange
        self.headerLength = headerLength
    }

    /// Builds an operation from separate pieces (tests, internal publishers). Copies them.
    public init(subject: String, reply: String?, headerLength: Int?, payload: [UInt8]) {
        var frame = ByteBuffer()
        frame.writeString(subject)
        var replyRange: (start: Int32, count: Int32)?
        if let reply {
            replyRange = (Int32(frame.writerIndex), Int32(reply.utf8.count))
            frame.writeString(reply)
        }
        let payloadStart = Int32(frame.writerIndex)
        frame.writeBytes(payload)
        self.init(
            frame: frame,
            subjectRange: (0, Int32(subject.utf8.count)),
            replyRange: replyRange,
            payloadRange: (payloadStart, Int32(payload.count)),
            headerLength: headerLength
        )
    }

    /// The subject, as a slice.
    public var subject: ByteBuffer { slice(subjectRange) }
    /// The reply subject, as a slice.
    public var reply: ByteBuffer? { replyRange.map { slice($0) } }
    /// Headers (if any) and body, as a slice.
    public var payload: ByteBuffer { slice(payloadRange) }
    public var hasReply: Bool { replyRange != nil }
    public var payloadCount: Int { Int(payloadRange.count) }

    private func slice(_ range: (start: Int32, count: Int32)) -> ByteBuffer {
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
    /// Deliver at most this many messages in all, then remove the subscription.
    public var maxMessages: Int?

    public init(sid: ByteBuffer, maxMessages: Int?) {
        self.sid = sid
        self.maxMessages = maxMessages
    }
}
