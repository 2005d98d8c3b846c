import NATSWire

/// Messages the server itself publishes (JetStream acknowledgements, API replies, consumer
/// deliveries, imports): routed by the same ``FanoutPlan`` as a client's publish, from a thread
/// that is usually not a client's event loop.
extension Broker {
    /// Publishes a message as the server.
    /// - Parameters:
    ///   - destination: the subject subscribers are matched against.
    ///   - subject: the subject written in `MSG` (JetStream delivers to an inbox but shows the
    ///     stream subject).
    ///   - isOneOff: the destination is used once (a reply inbox): do not cache its match.
    package func publishInternal(
        destination: String,
        subject: String,
        reply: String?,
        headers: [UInt8]?,
        payload: [UInt8],
        account: Account? = nil,
        isOneOff: Bool = false
    ) {
        let account = account ?? globalAccount
        let match = account.match(destination, cacheResult: !isOneOff)
        if match.isEmpty { return }
        let op = MessageOp(subject: subject, reply: reply, headers: headers, payload: payload)
        // A delivery whose subject is not the one it is sent to (a JetStream push delivery)
        // crosses a leafnode link as `LMSG <destination> <reply>@<subject>`, as nats-server sends it.
        var linkOp: MessageOp?
        if destination != subject, let reply {
            linkOp = MessageOp(subject: destination, reply: reply + "@" + subject, headers: headers, payload: payload)
        }
        op.withUnsafeParts { subjectBytes, replyBytes, payloadBytes in
            var delivery = SubscriptionDelivery(
                subject: subjectBytes, reply: replyBytes, payload: payloadBytes, headerLength: op.headerLength, linkOp: linkOp,
                currentLoop: nil, publisher: nil, echo: true, account: account, origin: .server
            )
            var random = SystemRandomNumberGenerator()
            _ = FanoutPlan<Subscription>().run(match, op, random: &random, sink: &delivery)
        }
    }
}
