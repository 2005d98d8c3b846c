import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The client protocol parser: an incremental state machine over `ByteBuffer`.
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
public struct ClientProtocolParser {
    /// Hard limits, with nats-server's defaults (`server/const.go`).
    public struct Limits: Sendable {
        /// `max_control_line`: longest argument part of a control line (default 4 KiB).
        public var maxControlLine: Int
        /// `max_payload`: largest message payload, headers included (default 1 MiB).
        public var maxPayload: Int

        public static let defaultMaxControlLine = 4096
        public static let defaultMaxPayload = 1024 * 1024

        public init(maxControlLine: Int = defaultMaxControlLine, maxPayload: Int = defaultMaxPayload) {
            self.maxControlLine = maxControlLine
            self.maxPayload = maxPayload
        }
    }

    public var limits: Limits

    /// Unparsed bytes of the latest read, parsed in place.
    private var buffer = ByteBuffer()
    /// The start of an operation that did not fit in its read (a copy), or `nil`.
    private var carry: ByteBuffer?
    /// Bytes still missing from `carry`, once its control line is complete.
    private var carryMissing: Int?
    /// Reads that arrived while `carry` was incomplete.
    private var pending: ByteBuffer?

    public init(limits: Limits = Limits()) {
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
    public mutating func next() throws(ProtocolError) -> ClientOp? {
        if carry != nil {
            guard try completeCarry() else { return nil }
            var whole = carry!
            carry = nil
            carryMissing = nil
            buffer = pending ?? ByteBuffer()
            pending = nil
            guard case .complete(let op) = try Self.parse(&whole, limits: limits) else {
                preconditionFailure("a completed carry must hold one whole operation")
            }
            return op
        }
        if buffer.readableBytes == 0 { return nil }
        switch try Self.parse(&buffer, limits: limits) {
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
            switch try Self.parse(&probe, limits: limits) {
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

    private enum ParseResult {
        case complete(ClientOp)
        /// `missing` is how many more bytes complete the operation, `nil` while its control line
        /// is still open. `keep`: how many of the buffered bytes are worth keeping (all if `nil`;
        /// just the verb for PING/PONG/+OK, whose trailing junk is dropped).
        case incomplete(missing: Int?, keep: Int?)
    }

    /// Operations, by their (lower-case) verb.
    private enum Verb: UInt8 {
        case pub, hpub, sub, unsub, connect, info, ping, pong, ok, err
    }

    /// What `scan` learned about the operation at the start of the buffer. Filled in place by
    /// `scan` (a returned struct this size cost more than the scan itself: store forwarding).
    private struct ControlLine {
        var verb = Verb.ping
        /// Offset just past the line's `\n`.
        var lineEnd = 0
        var payloadLength = 0
        /// HPUB header size, or UNSUB maximum; -1 when absent.
        var number = -1
        /// Bytes still needed when incomplete; -1 while the control line is open.
        var missing = -1
        var argumentCount = 0
        var starts: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        var ends: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        /// The whole argument text, for CONNECT, INFO and -ERR.
        var textStart = 0
        var textEnd = 0
        var argumentsStart = 0
        var takesArguments = true

        @inline(__always)
        func start(_ index: Int) -> Int {
            switch index {
            case 0: return Int(starts.0)
            case 1: return Int(starts.1)
            case 2: return Int(starts.2)
            default: return Int(starts.3)
            }
        }

        @inline(__always)
        func end(_ index: Int) -> Int {
            switch index {
            case 0: return Int(ends.0)
            case 1: return Int(ends.1)
            case 2: return Int(ends.2)
            default: return Int(ends.3)
            }
        }

        @inline(__always)
        func length(_ index: Int) -> Int { end(index) - start(index) }

        /// Records one more argument; `false` when there are already four.
        @inline(__always)
        mutating func addArgument(_ start: Int, _ end: Int) -> Bool {
            switch argumentCount {
            case 0: starts.0 = Int32(start); ends.0 = Int32(end)
            case 1: starts.1 = Int32(start); ends.1 = Int32(end)
            case 2: starts.2 = Int32(start); ends.2 = Int32(end)
            case 3: starts.3 = Int32(start); ends.3 = Int32(end)
            default: return false
            }
            argumentCount += 1
            return true
        }
    }

    /// Outcome of `scan`.
    private enum ScanStatus {
        case line, incomplete, failure
    }

    private static let verbNames: [(name: [UInt8], verb: Verb, takesArguments: Bool)] = [
        (Array("pub".utf8), .pub, true),
        (Array("ping".utf8), .ping, false),
        (Array("pong".utf8), .pong, false),
        (Array("hpub".utf8), .hpub, true),
        (Array("sub".utf8), .sub, true),
        (Array("unsub".utf8), .unsub, true),
        (Array("connect".utf8), .connect, true),
        (Array("info".utf8), .info, true),
        (Array("+ok".utf8), .ok, false),
        (Array("-err".utf8), .err, true),
    ]

    private static func parse(_ buffer: inout ByteBuffer, limits: Limits) throws(ProtocolError) -> ParseResult {
        var line = ControlLine()
        var failure: ProtocolError?
        let status = buffer.withUnsafeReadableBytes { bytes in
            Self.scan(bytes, limits: limits, into: &line, failure: &failure)
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
        switch line.verb {
        case .pub, .hpub:
            // One slice for the whole operation; the parts are offsets into it.
            let total = line.lineEnd + line.payloadLength + 2
            let frame = buffer.getSlice(at: base, length: total)!
            let hasReply = line.argumentCount == (line.verb == .pub ? 3 : 4)
            let op = ClientOp.publish(
                PublishOp(
                    frame: frame,
                    subjectRange: (Int32(line.start(0)), Int32(line.length(0))),
                    replyRange: hasReply ? (Int32(line.start(1)), Int32(line.length(1))) : nil,
                    payloadRange: (Int32(line.lineEnd), Int32(line.payloadLength)),
                    headerLength: line.verb == .hpub ? line.number : nil
                )
            )
            buffer.moveReaderIndex(forwardBy: total)
            return .complete(op)
        default:
            break
        }
        func slice(_ index: Int) -> ByteBuffer {
            buffer.getSlice(at: base + line.start(index), length: line.length(index))!
        }
        let op: ClientOp
        switch line.verb {
        case .pub, .hpub:
            preconditionFailure("handled above")
        case .sub:
            op = .subscribe(
                SubscribeOp(
                    subject: slice(0),
                    queue: line.argumentCount == 3 ? slice(1) : nil,
                    sid: slice(line.argumentCount - 1)
                )
            )
        case .unsub:
            op = .unsubscribe(UnsubscribeOp(sid: slice(0), maxMessages: line.number >= 0 ? line.number : nil))
        case .connect, .info, .err:
            let text = buffer.getSlice(at: base + line.textStart, length: line.textEnd - line.textStart)!
            op = line.verb == .connect ? .connect(text) : line.verb == .info ? .info(text) : .error(text)
        case .ping:
            op = .ping
        case .pong:
            op = .pong
        case .ok:
            op = .ok
        }
        buffer.moveReaderIndex(forwardBy: line.lineEnd)
        return .complete(op)
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    /// Finds the verb, the control line and its arguments, and checks limits.
    private static func scan(
        _ bytes: UnsafeRawBufferPointer,
        limits: Limits,
        into line: inout ControlLine,
        failure: inout ProtocolError?
    ) -> ScanStatus {
        let count = bytes.count
        // 1. The verb: match case-insensitively; a prefix that fits no verb is an error at once.
        let verbLength: Int
        let takesArguments: Bool
        if let found = fastVerb(bytes) {
            (line.verb, verbLength, takesArguments) = found
        } else {
            switch slowVerb(bytes) {
            case .matched(let found):
                (line.verb, verbLength, takesArguments) = found
            case .needMore:
                return .incomplete
            case .unknown:
                failure = .unknownOperation("unknown protocol operation: \(snippet(bytes, from: 0))")
                return .failure
            }
        }
        let verb = line.verb
        line.takesArguments = takesArguments

        // 2. A verb with arguments is followed by at least one space or tab; CONNECT and INFO
        //    take whatever follows as their argument (parser.go: OP_CONNECT, OP_INFO), so
        //    `CONNECT\r\n` is an empty, invalid, JSON document rather than an unknown operation.
        var index = verbLength
        if takesArguments {
            if index >= count { return .incomplete }
            let separatorOptional = verb == .connect || verb == .info
            guard separatorOptional || isSpace(bytes[index]) else {
                failure = .unknownOperation("unknown protocol operation: \(snippet(bytes, from: 0))")
                return .failure
            }
            while index < count && isSpace(bytes[index]) { index += 1 }
        }
        line.argumentsStart = index
        let argumentsStart = index
        var argumentsEnd: Int

        if verb == .pub || verb == .hpub {
            // 3+4 in one pass for the hot verbs: split on spaces/tabs until the newline.
            var position = argumentsStart
            let limit = min(count, argumentsStart + limits.maxControlLine + 2)
            var newline = -1
            while position < limit {
                let byte = bytes[position]
                if byte == 0x0A {
                    newline = position
                    break
                }
                // Only spaces and tabs separate; a `\r` counts only right before the `\n`.
                if byte == 0x20 || byte == 0x09 || (byte == 0x0D && position + 1 < count && bytes[position + 1] == 0x0A) {
                    position += 1
                    continue
                }
                let start = position
                position += 1
                while position < limit {
                    let next = bytes[position]
                    if next == 0x20 || next == 0x09 || next == 0x0A { break }
                    if next == 0x0D && position + 1 < count && bytes[position + 1] == 0x0A { break }
                    position += 1
                }
                if !line.addArgument(start, position) {
                    failure = .badArguments("\(verbText(verb)) parse error: too many arguments: \(snippet(bytes, from: argumentsStart))")
                    return .failure
                }
            }
            if newline < 0 {
                if count - argumentsStart > limits.maxControlLine {
                    failure = .maxControlLineExceeded(length: count - argumentsStart, limit: limits.maxControlLine)
                    return .failure
                }
                return .incomplete
            }
            line.lineEnd = newline + 1
            argumentsEnd = newline
            if argumentsEnd > argumentsStart && bytes[argumentsEnd - 1] == 0x0D { argumentsEnd -= 1 }
            if argumentsEnd - argumentsStart > limits.maxControlLine {
                failure = .maxControlLineExceeded(length: argumentsEnd - argumentsStart, limit: limits.maxControlLine)
                return .failure
            }
        } else {
            // 3. The end of the line.
            guard let base = bytes.baseAddress,
                let found = memchr(base + argumentsStart, 0x0A, count - argumentsStart)
            else {
                // Bytes after PING/PONG/+OK are ignored, however many (nats-server discards
                // them); `next()` keeps only the verb when such a line is incomplete.
                if takesArguments && count - argumentsStart > limits.maxControlLine {
                    failure = .maxControlLineExceeded(length: count - argumentsStart, limit: limits.maxControlLine)
                    return .failure
                }
                return .incomplete
            }
            let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            line.lineEnd = newline + 1
            argumentsEnd = newline
            if argumentsEnd > argumentsStart && bytes[argumentsEnd - 1] == 0x0D { argumentsEnd -= 1 }
            if !takesArguments { return .line }
            if argumentsEnd - argumentsStart > limits.maxControlLine {
                failure = .maxControlLineExceeded(length: argumentsEnd - argumentsStart, limit: limits.maxControlLine)
                return .failure
            }

            // 4. Split the arguments on spaces and tabs.
            line.textStart = argumentsStart
            line.textEnd = argumentsEnd
            if verb == .connect || verb == .info || verb == .err { return .line }
            var position = argumentsStart
            while position < argumentsEnd {
                while position < argumentsEnd && isSpace(bytes[position]) { position += 1 }
                if position == argumentsEnd { break }
                let start = position
                while position < argumentsEnd && !isSpace(bytes[position]) { position += 1 }
                if !line.addArgument(start, position) {
                    failure = .badArguments("\(verbText(verb)) parse error: too many arguments: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                    return .failure
                }
            }
        }

        // 5. Per verb: argument count, sizes, limits, payload.
        switch verb {
        case .pub, .hpub:
            let isHeader = verb == .hpub
            let minimum = isHeader ? 3 : 2
            guard line.argumentCount == minimum || line.argumentCount == minimum + 1 else {
                failure = .badArguments("\(verbText(verb)) parse error: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                return .failure
            }
            let sizeIndex = line.argumentCount - 1
            let size = parseSize(bytes, line.start(sizeIndex), line.end(sizeIndex))
            if isHeader {
                let header = parseSize(bytes, line.start(sizeIndex - 1), line.end(sizeIndex - 1))
                if header < 0 {
                    failure = .badArguments("HPUB bad or missing header size: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                    return .failure
                }
                line.number = header
            }
            if size < 0 {
                failure = .badArguments("\(verbText(verb)) bad or missing size: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                return .failure
            }
            if isHeader && line.number > size {
                failure = .badArguments("HPUB header size larger than total size: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                return .failure
            }
            if size > limits.maxPayload {
                failure = .maxPayloadExceeded(size: size, limit: limits.maxPayload)
                return .failure
            }
            line.payloadLength = size
            let total = line.lineEnd + size + 2
            if count < total {
                // The byte after the payload must be `\r`: fail as soon as it is here, as the
                // reference's byte-by-byte parser does, rather than wait for one more byte.
                if count > line.lineEnd + size && bytes[line.lineEnd + size] != 0x0D {
                    failure = .unknownOperation("payload not followed by CRLF: \(snippet(bytes, from: line.lineEnd + size))")
                    return .failure
                }
                line.missing = total - count
                return .incomplete
            }
            guard bytes[line.lineEnd + size] == 0x0D && bytes[line.lineEnd + size + 1] == 0x0A else {
                failure = .unknownOperation("payload not followed by CRLF: \(snippet(bytes, from: line.lineEnd + size))")
                return .failure
            }
            return .line
        case .sub:
            guard line.argumentCount == 2 || line.argumentCount == 3 else {
                failure = .badArguments("SUB parse error: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                return .failure
            }
            return .line
        case .unsub:
            guard line.argumentCount == 1 || line.argumentCount == 2 else {
                failure = .badArguments("UNSUB parse error: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                return .failure
            }
            if line.argumentCount == 2 {
                // nats-server reads a maximum that is not a number as -1: unsubscribe now.
                line.number = max(0, parseSize(bytes, line.start(1), line.end(1)))
            }
            return .line
        default:
            return .line
        }
    }

    /// The common verbs, complete and in one piece: no table walk.
    @inline(__always)
    private static func fastVerb(_ bytes: UnsafeRawBufferPointer) -> (Verb, Int, Bool)? {
        guard bytes.count >= 5 else { return nil }
        let first = lowercased(bytes[0])
        let second = lowercased(bytes[1])
        let third = lowercased(bytes[2])
        if first == UInt8(ascii: "p") && second == UInt8(ascii: "u") && third == UInt8(ascii: "b") {
            return (.pub, 3, true)
        }
        if first == UInt8(ascii: "h") && second == UInt8(ascii: "p") && third == UInt8(ascii: "u")
            && lowercased(bytes[3]) == UInt8(ascii: "b")
        {
            return (.hpub, 4, true)
        }
        return nil
    }

    private enum VerbMatch {
        case matched((Verb, Int, Bool))
        case needMore
        case unknown
    }

    private static func slowVerb(_ bytes: UnsafeRawBufferPointer) -> VerbMatch {
        var couldGrow = false
        for candidate in verbNames {
            let name = candidate.name
            let available = min(name.count, bytes.count)
            var matches = true
            var offset = 0
            while offset < available {
                if lowercased(bytes[offset]) != name[offset] {
                    matches = false
                    break
                }
                offset += 1
            }
            guard matches else { continue }
            if available == name.count { return .matched((candidate.verb, name.count, candidate.takesArguments)) }
            couldGrow = true
        }
        return couldGrow ? .needMore : .unknown
    }

    /// nats-server `parseSize`: decimal digits only, at most 9 of them; `-1` otherwise.
    @inline(__always)
    private static func parseSize(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
        let length = end - start
        if length == 0 || length > 9 { return -1 }
        var value = 0
        var index = start
        while index < end {
            let digit = bytes[index] &- 0x30
            if digit > 9 { return -1 }
            value = value &* 10 &+ Int(digit)
            index += 1
        }
        return value
    }

    private static func verbText(_ verb: Verb) -> String {
        switch verb {
        case .pub: return "PUB"
        case .hpub: return "HPUB"
        case .sub: return "SUB"
        case .unsub: return "UNSUB"
        case .connect: return "CONNECT"
        case .info: return "INFO"
        case .ping: return "PING"
        case .pong: return "PONG"
        case .ok: return "+OK"
        case .err: return "-ERR"
        }
    }

    /// A short, printable quote of the input for logs.
    private static func snippet(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int? = nil) -> String {
        let stop = min(end ?? bytes.count, start + 32, bytes.count)
        guard start < stop else { return "\"\"" }
        var text = "\""
        for byte in bytes[start..<stop] {
            switch byte {
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case 0x09: text += "\\t"
            case 0x22: text += "\\\""
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text + "\""
    }
}
