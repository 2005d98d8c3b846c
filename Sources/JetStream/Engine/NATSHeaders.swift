/// NATS message headers: `NATS/1.0[ status[ description]]\r\nKey: Value\r\n...\r\n\r\n`.
///
/// Lookups are by exact key, as nats-server's `getHeader` does for the JetStream headers
/// (`Nats-Msg-Id`, `Nats-Expected-Stream`...).
public struct NATSHeaders: Sendable, Equatable {
    public var status: Int?
    public var statusDescription: String?
    public private(set) var fields: [(key: String, value: String)] = []

    public init(status: Int? = nil, statusDescription: String? = nil) {
        self.status = status
        self.statusDescription = statusDescription
    }

    public static func == (lhs: NATSHeaders, rhs: NATSHeaders) -> Bool {
        lhs.status == rhs.status && lhs.statusDescription == rhs.statusDescription
            && lhs.fields.elementsEqual(rhs.fields, by: { $0.key == $1.key && $0.value == $1.value })
    }

    /// Parses a header block; `nil` when it does not start with `NATS/1.0`.
    public init?(parsing block: [UInt8]) {
        let text = String(decoding: block, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let first = lines.popFirst(), first.hasPrefix("NATS/1.0") else { return nil }
        let statusPart = first.dropFirst("NATS/1.0".count).drop(while: { $0 == " " })
        if !statusPart.isEmpty {
            let pieces = statusPart.split(separator: " ", maxSplits: 1)
            status = Int(pieces[0])
            if pieces.count > 1 { statusDescription = String(pieces[1]) }
        }
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let value = String(line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" }))
            fields.append((key, value))
        }
    }

    /// The first value of `key`.
    public subscript(key: String) -> String? {
        fields.first(where: { $0.key == key })?.value
    }

    public mutating func append(_ key: String, _ value: String) {
        fields.append((key, value))
    }

    /// Sets `key` to `value`, replacing earlier values.
    public mutating func set(_ key: String, _ value: String) {
        fields.removeAll(where: { $0.key == key })
        fields.append((key, value))
    }

    public mutating func remove(_ key: String) {
        fields.removeAll(where: { $0.key == key })
    }

    /// The header block, ready to send.
    public var encoded: [UInt8] {
        var text = "NATS/1.0"
        if let status {
            text += " \(status)"
            if let statusDescription, !statusDescription.isEmpty { text += " " + statusDescription }
        }
        text += "\r\n"
        for field in fields { text += "\(field.key): \(field.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// A status-only block (`NATS/1.0 404 No Messages\r\n\r\n`) plus optional fields.
    public static func status(_ code: Int, _ description: String, _ fields: [(String, String)] = []) -> [UInt8] {
        var headers = NATSHeaders(status: code, statusDescription: description)
        for (key, value) in fields { headers.append(key, value) }
        return headers.encoded
    }

    /// `block` with `key` set to `value`: an existing line for `key` is dropped, the new one goes
    /// last; a missing block becomes `NATS/1.0` with that one field.
    public static func setting(_ key: String, to value: String, in block: [UInt8]?) -> [UInt8] {
        let field = Array("\(key): \(value)\r\n".utf8)
        guard let block, block.count >= 12 else { return Array("NATS/1.0\r\n".utf8) + field + [0x0D, 0x0A] }
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + 1 < block.count {
            if block[index] == 0x0D && block[index + 1] == 0x0A {
                lines.append(block[start..<(index + 2)])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        let prefix = Array((key + ":").utf8).map { $0 | 0x20 }
        var result: [UInt8] = []
        for (number, line) in lines.enumerated() {
            if line.count == 2 { continue }  // the blank line that ends the block
            if number > 0 && line.count >= prefix.count && zip(line.prefix(prefix.count), prefix).allSatisfy({ ($0 | 0x20) == $1 }) {
                continue
            }
            result.append(contentsOf: line)
        }
        result.append(contentsOf: field)
        result.append(contentsOf: [0x0D, 0x0A])
        return result
    }

    /// `block` with `fields` added at its end, whatever it holds already (nats-server's
    /// `genHeader`: a republished copy keeps the publisher's own `Nats-Stream`, say, and gets its
    /// own after it); a missing or empty block becomes `NATS/1.0` with those fields.
    public static func appending(_ fields: [(String, String)], to block: [UInt8]?) -> [UInt8] {
        // Runs for every republished message: one array, filled in place.
        var result: [UInt8] = []
        result.reserveCapacity((block?.count ?? 10) + fields.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
        if let block, block.count > 2 {
            result.append(contentsOf: block.dropLast(2))  // the blank line that ends the block
        } else {
            result.append(contentsOf: "NATS/1.0\r\n".utf8)
        }
        for (key, value) in fields {
            result.append(contentsOf: key.utf8)
            result.append(contentsOf: ": ".utf8)
            result.append(contentsOf: value.utf8)
            result.append(contentsOf: "\r\n".utf8)
        }
        result.append(contentsOf: "\r\n".utf8)
        return result
    }

    /// `block` without the fields whose names start with `prefix` (case-insensitive).
    public static func removing(prefix: String, from block: [UInt8]) -> [UInt8] {
        let lowered = Array(prefix.utf8).map { $0 | 0x20 }
        var result: [UInt8] = []
        var start = 0
        var index = 0
        var isFirst = true
        while index + 1 < block.count {
            if block[index] == 0x0D && block[index + 1] == 0x0A {
                let line = block[start..<(index + 2)]
                let drop =
                    !isFirst && line.count >= lowered.count
                    && zip(line.prefix(lowered.count), lowered).allSatisfy { ($0 | 0x20) == $1 }
                if !drop { result.append(contentsOf: line) }
                isFirst = false
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        result.append(contentsOf: block[start...])
        return result
    }

    /// Finds one header's value in a raw block without parsing the rest (the publish path).
    public static func value(of key: String, in block: [UInt8]) -> String? {
        let needle = Array(("\r\n" + key + ":").utf8)
        guard block.count >= needle.count else { return nil }
        var index = 0
        let last = block.count - needle.count
        outer: while index <= last {
            for offset in 0..<needle.count where block[index + offset] != needle[offset] {
                index += 1
                continue outer
            }
            var start = index + needle.count
            while start < block.count && (block[start] == 0x20 || block[start] == 0x09) { start += 1 }
            var end = start
            while end < block.count && block[end] != 0x0D { end += 1 }
            return String(decoding: block[start..<end], as: UTF8.self)
        }
        return nil
    }
}

/// The JetStream header names.
public enum JetStreamHeader {
    public static let messageID = "Nats-Msg-Id"
    public static let expectedStream = "Nats-Expected-Stream"
    public static let expectedLastSequence = "Nats-Expected-Last-Sequence"
    public static let expectedLastSubjectSequence = "Nats-Expected-Last-Subject-Sequence"
    public static let expectedLastMessageID = "Nats-Expected-Last-Msg-Id"
    public static let rollup = "Nats-Rollup"
    public static let stream = "Nats-Stream"
    public static let sequence = "Nats-Sequence"
    public static let timeStamp = "Nats-Time-Stamp"
    public static let subject = "Nats-Subject"
    public static let lastSequence = "Nats-Last-Sequence"
    public static let messageSize = "Nats-Msg-Size"
    public static let lastConsumer = "Nats-Last-Consumer"
    public static let lastStream = "Nats-Last-Stream"
    public static let consumerStalled = "Nats-Consumer-Stalled"
    public static let pendingMessages = "Nats-Pending-Messages"
    public static let pendingBytes = "Nats-Pending-Bytes"
    public static let streamSource = "Nats-Stream-Source"
}
