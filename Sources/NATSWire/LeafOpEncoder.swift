import NIOCore

/// Writing the leafnode operations (nats-server `server/leafnode.go`): interest (`LS+`/`LS-`)
/// and messages (`LMSG`, or `HMSG` when the message has headers and both sides support them).
extension ByteBuffer {
    /// `LS+ <subject>\r\n` or `LS+ <subject> <queue> <weight>\r\n`.
    public mutating func writeLeafSubscribe(subject: String, queue: String?, weight: Int) {
        writeStaticString("LS+ ")
        writeString(subject)
        if let queue {
            writeStaticString(" ")
            writeString(queue)
            writeStaticString(" ")
            writeString(String(weight))
        }
        writeStaticString("\r\n")
    }

    /// `LS- <subject>\r\n` or `LS- <subject> <queue>\r\n`.
    public mutating func writeLeafUnsubscribe(subject: String, queue: String?) {
        writeStaticString("LS- ")
        writeString(subject)
        if let queue {
            writeStaticString(" ")
            writeString(queue)
        }
        writeStaticString("\r\n")
    }

    /// A message over a leafnode link:
    /// `LMSG <subject> [reply] <size>`, `LMSG <subject> + <reply> <queues...> <size>` or
    /// `LMSG <subject> | <queues...> <size>`; with `headerLength`, the verb is `HMSG` and the
    /// header size comes before the total size. `replySuffix` is appended to the reply as written
    /// (`@<subject>` for JetStream deliveries whose subject differs from the delivery subject).
    public mutating func writeLeafMessage(
        subject: UnsafeRawBufferPointer,
        reply: UnsafeRawBufferPointer?,
        replySuffix: UnsafeRawBufferPointer? = nil,
        queues: [String],
        headerLength: Int?,
        payload: UnsafeRawBufferPointer
    ) {
        writeLeafMessage(
            subject: subject, reply: reply, replySuffix: replySuffix, queues: queues, headerLength: headerLength, leading: nil,
            payload: payload)
    }

    /// The same, with the message's first bytes in `leading` and the rest in `payload` (a
    /// header block built for the link in front of a stored body, without joining them first).
    public mutating func writeLeafMessage(
        subject: UnsafeRawBufferPointer,
        reply: UnsafeRawBufferPointer?,
        replySuffix: UnsafeRawBufferPointer? = nil,
        queues: [String],
        headerLength: Int?,
        leading: UnsafeRawBufferPointer?,
        payload: UnsafeRawBufferPointer
    ) {
        let total = (leading?.count ?? 0) + payload.count
        var queueBytes = 0
        for queue in queues { queueBytes += queue.utf8.count + 1 }
        reserveCapacity(minimumWritableBytes: subject.count + (reply?.count ?? 0) + (replySuffix?.count ?? 0) + queueBytes + total + 48)
        if headerLength != nil { writeStaticString("HMSG ") } else { writeStaticString("LMSG ") }
        writeBytes(subject)
        writeStaticString(" ")
        if !queues.isEmpty { writeStaticString(reply == nil ? "| " : "+ ") }
        if let reply {
            writeBytes(reply)
            if let replySuffix { writeBytes(replySuffix) }
            writeStaticString(" ")
        }
        for queue in queues {
            writeString(queue)
            writeStaticString(" ")
        }
        if let headerLength {
            writeString(String(headerLength))
            writeStaticString(" ")
        }
        writeString(String(total))
        writeStaticString("\r\n")
        if let leading { writeBytes(leading) }
        writeBytes(payload)
        writeStaticString("\r\n")
    }
}
