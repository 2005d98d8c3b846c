#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte-level part of the parser: find the verb, the control line and its arguments in raw
/// bytes, check the limits, and work out where the payload is. Nothing here allocates on the
/// message path.
extension ProtocolParser {
    /// Every verb of every dialect.
    enum Verb: UInt8 {
        case pub, hpub, sub, unsub, connect, info, ping, pong, ok, err
        case msg, hmsg
        case leafSub, leafUnsub, leafMsg, leafHmsg

        /// Followed by a payload of a declared size.
        var carriesPayload: Bool {
            switch self {
            case .pub, .hpub, .msg, .hmsg, .leafMsg, .leafHmsg: return true
            default: return false
            }
        }

        /// The payload starts with a header block of a declared size.
        var carriesHeaders: Bool { self == .hpub || self == .hmsg || self == .leafHmsg }

        var text: String {
            switch self {
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
            case .msg: return "MSG"
            case .hmsg, .leafHmsg: return "HMSG"
            case .leafSub: return "LS+"
            case .leafUnsub: return "LS-"
            case .leafMsg: return "LMSG"
            }
        }
    }

    struct VerbName {
        let name: [UInt8]
        let verb: Verb
        let takesArguments: Bool
    }

    private static func names(_ entries: [(String, Verb, Bool)]) -> [VerbName] {
        entries.map { VerbName(name: Array($0.0.utf8), verb: $0.1, takesArguments: $0.2) }
    }

    private static let common: [(String, Verb, Bool)] = [
        ("ping", .ping, false), ("pong", .pong, false), ("info", .info, true), ("+ok", .ok, false), ("-err", .err, true),
    ]
    static let clientVerbs = names(
        [("pub", .pub, true), ("hpub", .hpub, true), ("sub", .sub, true), ("unsub", .unsub, true), ("connect", .connect, true)] + common)
    static let serverVerbs = names([("msg", .msg, true), ("hmsg", .hmsg, true)] + common)
    static let leafVerbs = names(
        [
            ("lmsg", .leafMsg, true), ("hmsg", .leafHmsg, true), ("ls+", .leafSub, true), ("ls-", .leafUnsub, true),
            ("connect", .connect, true),
        ] + common)

    /// What `scan` learned about the operation at the start of the buffer. Filled in place
    /// (a returned struct this size cost more than the scan itself: store forwarding).
    struct ControlLine {
        var verb = Verb.ping
        var takesArguments = true
        /// Offset just past the line's `\n`.
        var lineEnd = 0
        var argumentsStart = 0
        var payloadLength = 0
        /// Header size (HPUB, HMSG), UNSUB maximum or LS+ weight; -1 when absent.
        var number = -1
        /// Bytes still needed when incomplete; -1 while the control line is open.
        var missing = -1
        /// Which argument is the reply subject, -1 for none.
        var replyIndex = -1
        /// MSG sid or LMSG queue names.
        var extraRange: MessageOp.Range32?
        var argumentCount = 0
        var starts = InlineArray<32, Int32>(repeating: 0)
        var ends = InlineArray<32, Int32>(repeating: 0)
        /// The whole argument text, for CONNECT, INFO and -ERR.
        var textStart = 0
        var textEnd = 0

        @inline(__always) func start(_ index: Int) -> Int { Int(starts[index]) }
        @inline(__always) func end(_ index: Int) -> Int { Int(ends[index]) }
        @inline(__always) func length(_ index: Int) -> Int { end(index) - start(index) }
        @inline(__always) func range(_ index: Int) -> MessageOp.Range32 { (starts[index], ends[index] - starts[index]) }

        /// Records one more argument; `false` when there is no room left.
        @inline(__always)
        mutating func addArgument(_ start: Int, _ end: Int) -> Bool {
            guard argumentCount < Limits.maxArguments else { return false }
            starts[argumentCount] = Int32(start)
            ends[argumentCount] = Int32(end)
            argumentCount += 1
            return true
        }
    }

    enum ScanStatus {
        case line, incomplete, failure
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    /// Finds the verb, the control line and its arguments, and checks limits.
    static func scan(
        _ bytes: UnsafeRawBufferPointer,
        dialect: ProtocolDialect,
        limits: Limits,
        into line: inout ControlLine,
        failure: inout ProtocolError?
    ) -> ScanStatus {
        let count = bytes.count
        // 1. The verb: match case-insensitively; a prefix that fits no verb is an error at once.
        let verbLength: Int
        let takesArguments: Bool
        if dialect == .client, let found = fastPublishVerb(bytes) {
            (line.verb, verbLength, takesArguments) = found
        } else {
            switch matchVerb(bytes, dialect: dialect) {
            case .matched(let found):
                line.verb = found.verb
                verbLength = found.name.count
                takesArguments = found.takesArguments
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

        if verb.carriesPayload {
            // 3+4 in one pass for messages: split on spaces/tabs until the newline.
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
                    failure = .badArguments("\(verb.text) parse error: too many arguments: \(snippet(bytes, from: argumentsStart))")
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
            return scanMessage(
                bytes, verb: verb, limits: limits, argumentsStart: argumentsStart, argumentsEnd: argumentsEnd, into: &line,
                failure: &failure)
        }

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
                failure = .badArguments(
                    "\(verb.text) parse error: too many arguments: \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
                return .failure
            }
        }

        // 5. Argument counts and numbers.
        let arguments = line.argumentCount
        func bad(_ what: String) -> ScanStatus {
            failure = .badArguments("\(verb.text) \(what): \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
            return .failure
        }
        switch verb {
        case .sub:
            return arguments == 2 || arguments == 3 ? .line : bad("parse error")
        case .unsub:
            guard arguments == 1 || arguments == 2 else { return bad("parse error") }
            if arguments == 2 {
                // nats-server reads a maximum that is not a number as -1: unsubscribe now.
                line.number = max(0, parseSize(bytes, line.start(1), line.end(1)))
            }
            return .line
        case .leafSub:
            guard arguments == 1 || arguments == 3 else { return bad("parse error") }
            if arguments == 3 {
                line.number = parseSize(bytes, line.start(2), line.end(2))
                if line.number < 0 { return bad("bad queue weight") }
            }
            return .line
        case .leafUnsub:
            return arguments == 1 || arguments == 2 ? .line : bad("parse error")
        default:
            return .line
        }
    }

    /// Arguments, sizes and payload bounds of PUB/HPUB, MSG/HMSG and LMSG/leaf HMSG.
    private static func scanMessage(
        _ bytes: UnsafeRawBufferPointer,
        verb: Verb,
        limits: Limits,
        argumentsStart: Int,
        argumentsEnd: Int,
        into line: inout ControlLine,
        failure: inout ProtocolError?
    ) -> ScanStatus {
        func bad(_ what: String) -> ScanStatus {
            failure = .badArguments("\(verb.text) \(what): \(snippet(bytes, from: argumentsStart, to: argumentsEnd))")
            return .failure
        }
        let arguments = line.argumentCount
        let hasHeaders = verb.carriesHeaders
        // Fixed arguments at the end: [header size] total size.
        let sizeArguments = hasHeaders ? 2 : 1
        switch verb {
        case .pub, .hpub:
            // subject [reply] [header] size
            guard arguments == 1 + sizeArguments || arguments == 2 + sizeArguments else { return bad("parse error") }
            if arguments == 2 + sizeArguments { line.replyIndex = 1 }
        case .msg, .hmsg:
            // subject sid [reply] [header] size
            guard arguments == 2 + sizeArguments || arguments == 3 + sizeArguments else { return bad("parse error") }
            line.extraRange = line.range(1)
            if arguments == 3 + sizeArguments { line.replyIndex = 2 }
        default:
            // subject [+ reply queue... | '|' queue... | reply] [header] size
            guard arguments >= 1 + sizeArguments else { return bad("parse error") }
            let middle = arguments - sizeArguments - 1
            if middle > 0 {
                let marker = bytes[line.start(1)]
                if marker == UInt8(ascii: "+") && line.length(1) == 1 {
                    guard middle >= 2 else { return bad("parse error") }
                    line.replyIndex = 2
                    if middle > 2 { line.extraRange = (line.starts[3], line.ends[arguments - sizeArguments - 1] - line.starts[3]) }
                } else if marker == UInt8(ascii: "|") && line.length(1) == 1 {
                    if middle > 1 { line.extraRange = (line.starts[2], line.ends[arguments - sizeArguments - 1] - line.starts[2]) }
                } else {
                    line.replyIndex = 1
                }
            }
        }
        let sizeIndex = arguments - 1
        let size = parseSize(bytes, line.start(sizeIndex), line.end(sizeIndex))
        if hasHeaders {
            let header = parseSize(bytes, line.start(sizeIndex - 1), line.end(sizeIndex - 1))
            if header < 0 { return bad("bad or missing header size") }
            line.number = header
        }
        if size < 0 { return bad("bad or missing size") }
        if hasHeaders && line.number > size { return bad("header size larger than total size") }
        if size > limits.maxPayload {
            failure = .maxPayloadExceeded(size: size, limit: limits.maxPayload)
            return .failure
        }
        line.payloadLength = size
        let count = bytes.count
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
    }

    /// PUB and HPUB, complete and in one piece: no table walk on the publish path.
    @inline(__always)
    private static func fastPublishVerb(_ bytes: UnsafeRawBufferPointer) -> (Verb, Int, Bool)? {
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
        case matched(VerbName)
        case needMore
        case unknown
    }

    private static func matchVerb(_ bytes: UnsafeRawBufferPointer, dialect: ProtocolDialect) -> VerbMatch {
        let table: [VerbName]
        switch dialect {
        case .client: table = clientVerbs
        case .server: table = serverVerbs
        case .leaf: table = leafVerbs
        }
        var couldGrow = false
        for candidate in table {
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
            if available == name.count { return .matched(candidate) }
            couldGrow = true
        }
        return couldGrow ? .needMore : .unknown
    }

    /// nats-server `parseSize`: decimal digits only, at most 9 of them; `-1` otherwise.
    @inline(__always)
    static func parseSize(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
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

    /// A short, printable quote of the input for logs.
    static func snippet(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int? = nil) -> String {
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
