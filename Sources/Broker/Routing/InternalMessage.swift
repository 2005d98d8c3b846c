/// Where a routed message entered this server: decides where it may go on.
package enum MessageOrigin: Sendable, Equatable {
    /// The server itself (JetStream, account imports).
    case server
    /// A client session of ours.
    case client
    /// A leafnode link; `isSolicited`: a link we dialled, to a hub.
    case link(isSolicited: Bool)
}

/// A message handed to an internal subscription: copies, safe to keep and to send elsewhere.
package struct InternalMessage: Sendable {
    package var subject: String
    package var reply: String?
    /// The header block (`NATS/1.0\r\n...\r\n\r\n`), if the message had one.
    package var headers: [UInt8]?
    package var payload: [UInt8]
    /// The account it was published in.
    package var account: Account
    package var origin: MessageOrigin

    package init(subject: String, reply: String?, headers: [UInt8]?, payload: [UInt8], account: Account, origin: MessageOrigin) {
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.payload = payload
        self.account = account
        self.origin = origin
    }

    /// A copy of a routed message's parts.
    static func copying(
        subject: UnsafeRawBufferPointer, reply: UnsafeRawBufferPointer?, headerLength: Int?, payload: UnsafeRawBufferPointer,
        account: Account, origin: MessageOrigin
    ) -> InternalMessage {
        var headers: [UInt8]?
        let body: [UInt8]
        if let headerLength {
            headers = Array(payload[..<headerLength])
            body = Array(payload[headerLength...])
        } else {
            body = Array(payload)
        }
        return InternalMessage(
            subject: String(decoding: subject, as: UTF8.self),
            reply: reply.map { String(decoding: $0, as: UTF8.self) },
            headers: headers,
            payload: body,
            account: account,
            origin: origin
        )
    }
}
