import NIOCore

/// Writing server-to-client operations into an outbound buffer.
///
/// `MSG` and `HMSG` are on the delivery hot path: they reserve the exact length once and copy the
/// pieces with one uniqueness check, instead of one `write` per piece.
extension ByteBuffer {
    /// `MSG <subject> <sid> [reply] <size>\r\n<payload>\r\n`
    @inlinable
    public mutating func writeMessage(
        subject: UnsafeRawBufferPointer,
        sid: UnsafeRawBufferPointer,
        reply: UnsafeRawBufferPointer?,
        payload: UnsafeRawBufferPointer
    ) {
        let sizeDigits = Self.decimalDigitCount(payload.count)
        var total = 4 + subject.count + 1 + sid.count + 1 + sizeDigits + 2 + payload.count + 2
        if let reply { total += reply.count + 1 }
        reserveCapacity(minimumWritableBytes: total)
        withUnsafeMutableWritableBytes { out in
            var position = 0
            Self.put(out, &position, 0x4D, 0x53, 0x47, 0x20)  // "MSG "
            Self.put(out, &position, subject)
            out[position] = 0x20
            position += 1
            Self.put(out, &position, sid)
            out[position] = 0x20
            position += 1
            if let reply {
                Self.put(out, &position, reply)
                out[position] = 0x20
                position += 1
            }
            Self.putDecimal(out, &position, payload.count, digits: sizeDigits)
            out[position] = 0x0D
            out[position + 1] = 0x0A
            position += 2
            Self.put(out, &position, payload)
            out[position] = 0x0D
            out[position + 1] = 0x0A
        }
        moveWriterIndex(forwardBy: total)
    }

    /// `HMSG <subject> <sid> [reply] <headerSize> <totalSize>\r\n<headers><body>\r\n`
    @inlinable
    public mutating func writeHeaderMessage(
        subject: UnsafeRawBufferPointer,
        sid: UnsafeRawBufferPointer,
        reply: UnsafeRawBufferPointer?,
        headerLength: Int,
        payload: UnsafeRawBufferPointer
    ) {
        let headerDigits = Self.decimalDigitCount(headerLength)
        let sizeDigits = Self.decimalDigitCount(payload.count)
        var total = 5 + subject.count + 1 + sid.count + 1 + headerDigits + 1 + sizeDigits + 2 + payload.count + 2
        if let reply { total += reply.count + 1 }
        reserveCapacity(minimumWritableBytes: total)
        withUnsafeMutableWritableBytes { out in
            var position = 0
            Self.put(out, &position, 0x48, 0x4D, 0x53, 0x47)  // "HMSG"
            out[position] = 0x20
            position += 1
            Self.put(out, &position, subject)
            out[position] = 0x20
            position += 1
            Self.put(out, &position, sid)
            out[position] = 0x20
            position += 1
            if let reply {
                Self.put(out, &position, reply)
                out[position] = 0x20
                position += 1
            }
            Self.putDecimal(out, &position, headerLength, digits: headerDigits)
            out[position] = 0x20
            position += 1
            Self.putDecimal(out, &position, payload.count, digits: sizeDigits)
            out[position] = 0x0D
            out[position + 1] = 0x0A
            position += 2
            Self.put(out, &position, payload)
            out[position] = 0x0D
            out[position + 1] = 0x0A
        }
        moveWriterIndex(forwardBy: total)
    }

    /// `INFO {json} \r\n` (with the space before CRLF that nats-server writes).
    public mutating func writeInfo(json: String) {
        writeStaticString("INFO ")
        writeString(json)
        writeStaticString(" \r\n")
    }

    /// `-ERR 'text'\r\n`
    public mutating func writeError(_ text: String) {
        writeStaticString("-ERR '")
        writeString(text)
        writeStaticString("'\r\n")
    }

    public mutating func writePing() { writeStaticString("PING\r\n") }
    public mutating func writePong() { writeStaticString("PONG\r\n") }
    public mutating func writeOK() { writeStaticString("+OK\r\n") }

    @inlinable @inline(__always)
    static func decimalDigitCount(_ value: Int) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    @inlinable @inline(__always)
    static func putDecimal(_ out: UnsafeMutableRawBufferPointer, _ position: inout Int, _ value: Int, digits: Int) {
        var rest = value
        var index = position + digits - 1
        repeat {
            out[index] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
            rest /= 10
            index -= 1
        } while index >= position
        position += digits
    }

    @inlinable @inline(__always)
    static func put(_ out: UnsafeMutableRawBufferPointer, _ position: inout Int, _ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 {
            (out.baseAddress! + position).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            position += bytes.count
        }
    }

    @inlinable @inline(__always)
    static func put(_ out: UnsafeMutableRawBufferPointer, _ position: inout Int, _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        out[position] = a
        out[position + 1] = b
        out[position + 2] = c
        out[position + 3] = d
        position += 4
    }
}
