import NATSWire
import NIOCore

/// Sending the store-and-forward buffer's messages over the link.
extension LeafSession {
    /// Sends journaled messages to the hub (our loop), each with `Nats-Msg-Id: <identity>-<id>`,
    /// then a PING; `completion` gets the entries sent (id and size), those the link may never
    /// send (deny_exports, the hub's export permissions: the buffer drops and counts them), and
    /// whether the PONG came (`false`: the link closed first). Messages without interest on the
    /// hub are not sent and stay.
    func forward(
        _ entries: [ForwardEntry], identity: String,
        completion: @escaping ([(id: Int64, size: Int)], [(id: Int64, size: Int)], Bool) -> Void
    ) {
        transport.eventLoop.assertInEventLoop()
        guard !transport.isClosed, link.isEstablished else {
            completion([], [], false)
            return
        }
        var sent: [(id: Int64, size: Int)] = []
        var refused: [(id: Int64, size: Int)] = []
        sent.reserveCapacity(entries.count)
        // Whether the link may send a subject, and the hub's interest in it: looked up once per
        // subject and batch (sensors repeat a few subjects).
        var interest: [String: (allowed: Bool, plain: Bool, queues: [String])] = [:]
        var header: [UInt8] = []
        let prefix = Array("NATS/1.0\r\nNats-Msg-Id: \(identity)-".utf8)
        for entry in entries {
            let found: (allowed: Bool, plain: Bool, queues: [String])
            if let cached = interest[entry.subject] {
                found = cached
            } else if !link.rules.mayForward(entry.subject) {
                found = (false, false, [])
                interest[entry.subject] = found
            } else {
                let match = account.match(entry.subject)
                found = (
                    true,
                    match.plain.contains { $0.link === self },
                    match.queueGroups.filter { group in group.members.contains { $0.link === self } }.map(\.name)
                )
                interest[entry.subject] = found
            }
            guard found.allowed else {
                refused.append((entry.id, entry.size))
                continue
            }
            guard found.plain || !found.queues.isEmpty else { continue }
            // The header block goes in front of the stored body (which may hold the
            // publisher's own headers: then the id is added to those).
            var leading: [UInt8] = []
            let body = entry.payload
            var headerLength: Int?
            if headersEnabled {
                if let existing = entry.headers {
                    leading = Self.addingMessageID("\(identity)-\(entry.id)", to: existing)
                } else {
                    header.removeAll(keepingCapacity: true)
                    header.append(contentsOf: prefix)
                    header.append(contentsOf: String(entry.id).utf8)
                    header.append(contentsOf: [13, 10, 13, 10])
                    swap(&leading, &header)
                }
                headerLength = leading.count
            }  // a hub without headers gets the body alone
            var subject = entry.subject
            let queues = found.plain ? [] : found.queues
            subject.withUTF8 { subjectBytes in
                leading.withUnsafeBytes { leadingBytes in
                    body.withUnsafeBytes { payloadBytes in
                        if var reply = entry.reply {
                            reply.withUTF8 { replyBytes in
                                transport.outbound.writeLeafMessage(
                                    subject: UnsafeRawBufferPointer(subjectBytes), reply: UnsafeRawBufferPointer(replyBytes),
                                    queues: queues, headerLength: headerLength, leading: leadingBytes, payload: payloadBytes)
                            }
                        } else {
                            transport.outbound.writeLeafMessage(
                                subject: UnsafeRawBufferPointer(subjectBytes), reply: nil, queues: queues, headerLength: headerLength,
                                leading: leadingBytes, payload: payloadBytes)
                        }
                    }
                }
            }
            if headerLength != nil && entry.headers == nil { swap(&leading, &header) }
            transport.countOutbound(bytes: (headerLength ?? 0) + body.count)
            sent.append((entry.id, entry.size))
        }
        if transport.isTracing { transport.trace("->> [\(sent.count) buffered messages, PING]") }
        writePing { confirmed in completion(sent, refused, confirmed) }
        transport.flushNow()
    }

    /// The header block with `Nats-Msg-Id` added, unless the publisher set one.
    static func addingMessageID(_ id: String, to headers: [UInt8]?) -> [UInt8] {
        guard let headers, headers.count >= 12 else { return Array("NATS/1.0\r\nNats-Msg-Id: \(id)\r\n\r\n".utf8) }
        if String(decoding: headers, as: UTF8.self).lowercased().contains("\r\nnats-msg-id:") { return headers }
        return Array(headers.dropLast(2)) + Array("Nats-Msg-Id: \(id)\r\n\r\n".utf8)
    }
}
