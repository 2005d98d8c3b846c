import NIOCore

/// The protocol parser: an incremental state machine over `ByteBuffer`, for each
/// ``ProtocolDialect`` (client, server, leafnode).
///
/// Feed every read with ``append(_:)`` and call ``next()`` until it returns `nil`. Operations
/// come back with their arguments and payload as slices of the read buffer (no copy). An operation
/// split across reads is the only thing copied: its first part goes into a small carry buffer and
/// exactly the bytes that complete it are taken from the next read, which is then parsed in place
/// (nats-server `server/parser.go` does the same with `argBuf`/`msgBuf`).
///
/// Rules, as the reference applies them: verbs are case-insensitive; arguments are separated by
/// spaces or tabs; lines end in `\n` with an optional `\r`; a payload is followed by exactly
/// `\r\n`; limits are checked on the control line before any payload is buffered, and on an
/// unterminated line as soon as it is longer than the limit.
public struct ProtocolParser {
    /// Hard limits, with nats-server's defaults (`server/const.go`).
    public struct Limits: Sendable {
        /// `max_control_line`: longest argument part of a control line (default 4 KiB).
        public var maxControlLine: Int
        /// `max_payload`: largest message payload, headers included (default 1 MiB).
        public var maxPayload: Int

        public static let defaultMaxControlLine = 4096
        public static let defaultMaxPayload = 1024 * 1024
        /// Most arguments one control line may have (a leafnode message names its queue
        /// groups as arguments: 30 is far more than any deployment uses).
        public static let maxArguments = 32

        public init(maxControlLine: Int = defaultMaxControlLine, maxPayload: Int = defaultMaxPayload) {
            self.maxControlLine = maxControlLine
            self.maxPayload = maxPayload
        }
    }

    public var limits: Limits
    public let dialect: ProtocolDialect

    /// Unparsed bytes of the latest read, parsed in place.
    private var buffer = ByteBuffer()
    /// The start of an operation that did not fit in its read (a copy), or `nil`.
    private var carry: ByteBuffer?
    /// Bytes still missing from `carry`, once its control line is complete.
    private var carryMissing: Int?
    /// Reads that arrived while `carry` was incomplete.
    private var pending: ByteBuffer?

    public init(dialect: ProtocolDialect = .client, limits: Limits = Limits()) {
        self.dialect = dialect
        self.limits = limits
    }

    /// Bytes received but not yet returned as operations.
    public var bufferedBytes: Int {
        buffer.readableBytes + (carry?.readableBytes ?? 0) + (pending?.readableBytes ?? 0)
    }

    /// Adds the bytes of one read.
    public mutating func append(_ bytes: ByteBuffer) {
        if carry != nil {
            if pending == nil { pending = bytes } else { pending!.writeImmutableBuffer(bytes) }
        } else if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// The next complete operation, or `nil` when more bytes are needed.
    /// - Throws: ``ProtocolError``; the connection must then be closed.
    public mutating func next() throws(ProtocolError) -> ProtocolOp? {
        if carry != nil {
            guard try completeCarry() else { return nil }
            var whole = carry!
            carry = nil
            carryMissing = nil
            buffer = pending ?? ByteBuffer()
            pending = nil
            guard case .complete(let op) = try Self.parse(&whole, dialect: dialect, limits: limits) else {
                preconditionFailure("a completed carry must hold one whole operation")
            }
            return op
        }
        if buffer.readableBytes == 0 { return nil }
        switch try Self.parse(&buffer, dialect: dialect, limits: limits) {
        case .complete(let op):
            return op
        case .incomplete(let missing, let keep):
            carry = ByteBuffer(buffer.readableBytesView.prefix(keep ?? buffer.readableBytes))
            carryMissing = missing
            buffer = ByteBuffer()
            return nil
        }
    }

    // MARK: - Split operations

    /// Moves bytes from `pending` into `carry` until it holds one whole operation.
    /// Returns `false` when `pending` ran out first.
    private mutating func completeCarry() throws(ProtocolError) -> Bool {
        guard var source = pending, source.readableBytes > 0 else { return false }
        if carryMissing == nil {
            // The control line is not complete yet: take bytes up to and including its `\n`.
            let newline = source.readableBytesView.firstIndex(of: UInt8(ascii: "\n"))
            if let newline {
                let length = newline - source.readerIndex + 1
                carry!.writeImmutableBuffer(source.readSlice(length: length)!)
            } else {
                carry!.writeBuffer(&source)
            }
            pending = source.readableBytes > 0 ? source : nil
            // Parse what the carry now holds, to check limits and learn the payload size.
            var probe = carry!
            switch try Self.parse(&probe, dialect: dialect, limits: limits) {
            case .complete:
                return true
            case .incomplete(let missing, let keep):
                carryMissing = missing
                if let keep, keep < carry!.readableBytes {
                    carry = carry!.getSlice(at: carry!.readerIndex, length: keep)
                }
                if missing == nil { return false }
            }
            guard pending != nil else { return false }
            source = pending!
        }
        let missing = carryMissing!
        let taken = min(missing, source.readableBytes)
        carry!.writeImmutableBuffer(source.readSlice(length: taken)!)
        pending = source.readableBytes > 0 ? source : nil
        carryMissing = missing - taken
        return carryMissing == 0
    }

    // MARK: - One operation

    enum ParseResult {
        case complete(ProtocolOp)
        /// `missing` is how many more bytes complete the operation, `nil` while its control line
        /// is still open. `keep`: how many of the buffered bytes are worth keeping (all if `nil`;
        /// just the verb for PING/PONG/+OK, whose trailing junk is dropped).
        case incomplete(missing: Int?, keep: Int?)
    }

    static func parse(_ buffer: inout ByteBuffer, dialect: ProtocolDialect, limits: Limits) throws(ProtocolError) -> ParseResult {
        var line = ControlLine()
        var failure: ProtocolError?
        let status = buffer.withUnsafeReadableBytes { bytes in
            Self.scan(bytes, dialect: dialect, limits: limits, into: &line, failure: &failure)
        }
        switch status {
        case .failure:
            throw failure!
        case .incomplete:
            let keep = line.takesArguments || line.argumentsStart == 0 ? nil : line.argumentsStart
            return .incomplete(missing: line.missing >= 0 ? line.missing : nil, keep: keep)
        case .line:
            break
        }
        let base = buffer.readerIndex
        if line.verb.carriesPayload {
            // One slice for the whole operation; the parts are offsets into it.
            let total = line.lineEnd + line.payloadLength + 2
            let frame = buffer.getSlice(at: base, length: total)!
            let message = MessageOp(
                frame: frame,
                subjectRange: line.range(0),
                replyRange: line.replyIndex >= 0 ? line.range(line.replyIndex) : nil,
                payloadRange: (Int32(line.lineEnd), Int32(line.payloadLength)),
                extraRange: line.extraRange,
                headerLength: line.verb.carriesHeaders ? line.number : nil
            )
            buffer.moveReaderIndex(forwardBy: total)
            switch line.verb {
            case .pub, .hpub: return .complete(.publish(message))
            case .msg, .hmsg: return .complete(.message(message))
            default: return .complete(.leafMessage(message))
            }
        }
        func slice(_ index: Int) -> ByteBuffer {
            buffer.getSlice(at: base + line.start(index), length: line.length(index))!
        }
        let op: ProtocolOp
        switch line.verb {
        case .sub:
            op = .subscribe(
                SubscribeOp(subject: slice(0), queue: line.argumentCount == 3 ? slice(1) : nil, sid: slice(line.argumentCount - 1))
            )
        case .unsub:
            op = .unsubscribe(UnsubscribeOp(sid: slice(0), maxMessages: line.number >= 0 ? line.number : nil))
        case .leafSub:
            op = .leafSubscribe(
                LeafInterestOp(subject: slice(0), queue: line.argumentCount == 3 ? slice(1) : nil, weight: max(1, line.number)))
        case .leafUnsub:
            op = .leafUnsubscribe(LeafInterestOp(subject: slice(0), queue: line.argumentCount == 2 ? slice(1) : nil, weight: 1))
        case .connect, .info, .err:
            let text = buffer.getSlice(at: base + line.textStart, length: line.textEnd - line.textStart)!
            op = line.verb == .connect ? .connect(text) : line.verb == .info ? .info(text) : .error(text)
        case .ping:
            op = .ping
        case .pong:
            op = .pong
        case .ok:
            op = .ok
        case .pub, .hpub, .msg, .hmsg, .leafMsg, .leafHmsg:
            preconditionFailure("messages are handled above")
        }
        buffer.moveReaderIndex(forwardBy: line.lineEnd)
        return .complete(op)
    }
}
