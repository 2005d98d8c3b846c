import NIOCore

/// One protocol operation sent by a client (or read from any peer speaking the client dialect).
///
/// Byte-string fields are slices of the receive buffer, not copies: keep them only as long as
/// the operation is being handled, and copy what must outlive it (a stored message, a
/// subscription's subject).
package enum ClientOp {
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
package struct PublishOp {
    package var subject: ByteBuffer
    package var reply: ByteBuffer?
    /// Length of the header block at the start of `payload`, or `nil` for a plain `PUB`.
    package var headerLength: Int?
    /// The message body, headers first for `HPUB` (`headerLength` bytes), without the trailing CRLF.
    package var payload: ByteBuffer

    package init(subject: ByteBuffer, reply: ByteBuffer?, headerLength: Int?, payload: ByteBuffer) {
        self.subject = subject
        self.reply = reply
        self.headerLength = headerLength
        self.payload = payload
    }
}

/// `SUB subject [queue] sid`.
package struct SubscribeOp {
    package var subject: ByteBuffer
    package var queue: ByteBuffer?
    package var sid: ByteBuffer

    package init(subject: ByteBuffer, queue: ByteBuffer?, sid: ByteBuffer) {
        self.subject = subject
        self.queue = queue
        self.sid = sid
    }
}

/// `UNSUB sid [max]`.
package struct UnsubscribeOp {
    package var sid: ByteBuffer
    /// Deliver at most this many messages in all, then remove the subscription.
    package var maxMessages: Int?

    package init(sid: ByteBuffer, maxMessages: Int?) {
        self.sid = sid
        self.maxMessages = maxMessages
    }
}
