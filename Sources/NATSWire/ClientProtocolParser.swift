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
package struct ClientProtocolParser {
    /// Hard limits, with nats-server's defaults (`server/const.go`).
    package struct Limits: Sendable {
        /// `max_control_line`: longest argument part of a control line (default 4 KiB).
        package var maxControlLine: Int
        /// `max_payload`: largest message payload, headers included (default 1 MiB).
        package var maxPayload: Int

        package static let defaultMaxControlLine = 4096
        package static let defaultMaxPayload = 1024 * 1024

        package init(maxControlLine: Int = defaultMaxControlLine, maxPayload: Int = defaultMaxPayload) {
            self.maxControlLine = maxControlLine
            self.maxPayload = maxPayload
        }
    }

    package var limits: Limits

    /// Unparsed bytes of the latest read, parsed in place.
    private var buffer = ByteBuffer()
    /// The start of an operation that did not fit in its read (a copy), or `nil`.
    private var carry: ByteBuffer?
    /// Bytes still missing from `carry`, once its control line is complete.
    private var carryMissing: Int?
    /// Reads that arrived while `carry` was incomplete.
    private var pending: ByteBuffer?

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes received but not yet returned as operations.
    package var bufferedBytes: Int {
        buffer.readableBytes + (carry?.readableBytes ?? 0) + (pending?.readableBytes ?? 0)
    }

    /// Adds the bytes of one read.
    package mutating func append(_ bytes: ByteBuffer) {
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
    package mutating func next() throws(ProtocolError) -> ClientOp? {
        if carry != nil {
            guard try completeCarry() else { return nil }
            var whole = carry!
            carry = nil
            carryMissing = nil
            buffer = pending ?? ByteBuffer()
            pending = nil
            guard case .complete(let op) = try parse(&whole) else {
                preconditionFailure("a completed carry must hold one whole operation")
            }
            return op
        }
        if buffer.readableBytes == 0 { return nil }
        switch try parse(&buffer) {
        case .complete(let op):
            return op
        case .incomplete(let missing):
            carry = ByteBuffer(buffer.readableBytesView)
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
            switch try parse(&probe) {
            case .complete:
                return true
            case .incomplete(let missing):
                carryMissing = missing
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
        /// is still open.
        case incomplete(missing: Int?)
    }

    /// Operations, by their (lower-case) verb.
    private enum Verb: UInt8 {
        case pub, hpub, sub, unsub, connect, info, ping, pong, ok, err
    }

    /// What the raw-byte scan found; turned into slices outside the unsafe-pointer closure.
    private enum Scan {
        case line(verb: Verb, arguments: Arguments, lineEnd: Int, payloadLength: Int, headerLength: Int?)
        case incomplete(missing: Int?)
        case failure(ProtocolError)
    }

    /// Up to four argument ranges (offsets from the reader index), without allocating.
    private struct Arguments {
        var count = 0
        var starts: (Int, Int, Int, Int) = (0, 0, 0, 0)
        var ends: (Int, Int, Int, Int) = (0, 0, 0, 0)
        /// The whole argument text, for CONNECT, INFO and -ERR.
        var textStart = 0
        var textEnd = 0

        @inline(__always)
        func start(_ index: Int) -> Int {
            switch index {
            case 0: return starts.0
            case 1: return starts.1
            case 2: return starts.2
            default: return starts.3
            }
        }

        @inline(__always)
        func end(_ index: Int) -> Int {
            switch index {
            case 0: return ends.0
            case 1: return ends.1
            case 2: return ends.2
            default: return ends.3
            }
        }

        @inline(__always)
        func length(_ index: Int) -> Int { end(index) - start(index) }
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

    private func parse(_ buffer: inout ByteBuffer) throws(ProtocolError) -> ParseResult {
        let limits = self.limits
        let scan = buffer.withUnsafeReadableBytes { bytes in Self.scan(bytes, limits: limits) }
        switch scan {
        case .failure(let error):
            throw error
        case .incomplete(let missing):
            return .incomplete(missing: missing)
        case .line(let verb, let arguments, let lineEnd, let payloadLength, let headerLength):
            let base = buffer.readerIndex
            func slice(_ index: Int) -> ByteBuffer {
                buffer.getSlice(at: base + arguments.start(index), length: arguments.length(index))!
            }
            let op: ClientOp
            switch verb {
            case .pub, .hpub:
                let hasReply = arguments.count == (verb == .pub ? 3 : 4)
                let payload = buffer.getSlice(at: base + lineEnd, length: payloadLength)!
                op = .publish(
                    PublishOp(
                        subject: slice(0),
                        reply: hasReply ? slice(1) : nil,
                        headerLength: headerLength,
                        payload: payload
                    )
                )
                buffer.moveReaderIndex(forwardBy: lineEnd + payloadLength + 2)
                return .complete(op)
            case .sub:
                op = .subscribe(
                    SubscribeOp(
                        subject: slice(0),
                        queue: arguments.count == 3 ? slice(1) : nil,
                        sid: slice(arguments.count - 1)
                    )
                )
            case .unsub:
                op = .unsubscribe(UnsubscribeOp(sid: slice(0), maxMessages: headerLength))
            case .connect, .info, .err:
                let text = buffer.getSlice(
                    at: base + arguments.textStart,
                    length: arguments.textEnd - arguments.textStart
                )!
                op = verb == .connect ? .connect(text) : verb == .info ? .info(text) : .error(text)
            case .ping:
                op = .ping
            case .pong:
                op = .pong
            case .ok:
                op = .ok
            }
            buffer.moveReaderIndex(forwardBy: lineEnd)
            return .complete(op)
        }
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    /// Finds the verb, the control line and its arguments, and checks limits.
    private static func scan(_ bytes: UnsafeRawBufferPointer, limits: Limits) -> Scan {
        let count = bytes.count
        // 1. The verb: match case-insensitively; a prefix that fits no verb is an error at once.
        let (verb, verbLength, takesArguments): (Verb, Int, Bool)
        switch fastVerb(bytes) {
        case .some(let found):
            (verb, verbLength, takesArguments) = found
        case .none:
            switch slowVerb(bytes) {
            case .matched(let found): (verb, verbLength, takesArguments) = found
            case .needMore: return .incomplete(missing: nil)
            case .unknown:
                return .failure(.unknownOperation("unknown protocol operation: \(snippet(bytes, from: 0))"))
            }
        }

        // 2. A verb with arguments is followed by at least one space or tab.
        var index = verbLength
        if takesArguments {
            if index >= count { return .incomplete(missing: nil) }
            guard isSpace(bytes[index]) else {
                return .failure(.unknownOperation("unknown protocol operation: \(snippet(bytes, from: 0))"))
            }
            while index < count && isSpace(bytes[index]) { index += 1 }
        }
        let argumentsStart = index

        // 3. The end of the line.
        guard let base = bytes.baseAddress,
            let found = memchr(base + argumentsStart, 0x0A, count - argumentsStart)
        else {
            // Verbs without arguments get the same bound: an endless line must not grow the
            // carry buffer without limit (nats-server discards those bytes instead).
            if count - argumentsStart > limits.maxControlLine {
                return .failure(.maxControlLineExceeded(length: count - argumentsStart, limit: limits.maxControlLine))
            }
            return .incomplete(missing: nil)
        }
        let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
        let lineEnd = newline + 1
        var argumentsEnd = newline
        if argumentsEnd > argumentsStart && bytes[argumentsEnd - 1] == 0x0D { argumentsEnd -= 1 }
        if !takesArguments {
            return .line(verb: verb, arguments: Arguments(), lineEnd: lineEnd, payloadLength: 0, headerLength: nil)
        }
        if argumentsEnd - argumentsStart > limits.maxControlLine {
            return .failure(.maxControlLineExceeded(length: argumentsEnd - argumentsStart, limit: limits.maxControlLine))
        }

        // 4. Split the arguments on spaces and tabs.
        var arguments = Arguments()
        arguments.textStart = argumentsStart
        arguments.textEnd = argumentsEnd
        if verb == .connect || verb == .info || verb == .err {
            return .line(verb: verb, arguments: arguments, lineEnd: lineEnd, payloadLength: 0, headerLength: nil)
        }
        var position = argumentsStart
        while position < argumentsEnd {
            while position < argumentsEnd && isSpace(bytes[position]) { position += 1 }
            if position == argumentsEnd { break }
            let start = position
            while position < argumentsEnd && !isSpace(bytes[position]) { position += 1 }
            switch arguments.count {
            case 0: arguments.starts.0 = start; arguments.ends.0 = position
            case 1: arguments.starts.1 = start; arguments.ends.1 = position
            case 2: arguments.starts.2 = start; arguments.ends.2 = position
            case 3: arguments.starts.3 = start; arguments.ends.3 = position
            default:
                return .failure(.badArguments("\(verbText(verb)) parse error: too many arguments: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
            }
            arguments.count += 1
        }

        // 5. Per verb: argument count, sizes, limits, payload.
        switch verb {
        case .pub, .hpub:
            let isHeader = verb == .hpub
            let minimum = isHeader ? 3 : 2
            guard arguments.count == minimum || arguments.count == minimum + 1 else {
                return .failure(.badArguments("\(verbText(verb)) parse error: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
            }
            let sizeIndex = arguments.count - 1
            let size = parseSize(bytes, arguments.start(sizeIndex), arguments.end(sizeIndex))
            var headerLength: Int?
            if isHeader {
                let header = parseSize(bytes, arguments.start(sizeIndex - 1), arguments.end(sizeIndex - 1))
                if header < 0 {
                    return .failure(.badArguments("HPUB bad or missing header size: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
                }
                headerLength = header
            }
            if size < 0 {
                return .failure(.badArguments("\(verbText(verb)) bad or missing size: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
            }
            if let headerLength, headerLength > size {
                return .failure(.badArguments("HPUB header size larger than total size: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
            }
            if size > limits.maxPayload {
                return .failure(.maxPayloadExceeded(size: size, limit: limits.maxPayload))
            }
            let total = lineEnd + size + 2
            if count < total { return .incomplete(missing: total - count) }
            guard bytes[lineEnd + size] == 0x0D && bytes[lineEnd + size + 1] == 0x0A else {
                return .failure(.unknownOperation("payload not followed by CRLF: \(snippet(bytes, from: lineEnd + size))"))
            }
            return .line(verb: verb, arguments: arguments, lineEnd: lineEnd, payloadLength: size, headerLength: headerLength)
        case .sub:
            guard arguments.count == 2 || arguments.count == 3 else {
                return .failure(.badArguments("SUB parse error: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
            }
            return .line(verb: verb, arguments: arguments, lineEnd: lineEnd, payloadLength: 0, headerLength: nil)
        case .unsub:
            guard arguments.count == 1 || arguments.count == 2 else {
                return .failure(.badArguments("UNSUB parse error: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
            }
            var maximum: Int?
            if arguments.count == 2 {
                let parsed = parseSize(bytes, arguments.start(1), arguments.end(1))
                if parsed < 0 {
                    return .failure(.badArguments("UNSUB bad maximum messages: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))"))
                }
                maximum = parsed
            }
            // The maximum travels in `headerLength` to keep `Scan` small.
            return .line(verb: verb, arguments: arguments, lineEnd: lineEnd, payloadLength: 0, headerLength: maximum)
        default:
            return .line(verb: verb, arguments: arguments, lineEnd: lineEnd, payloadLength: 0, headerLength: nil)
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
