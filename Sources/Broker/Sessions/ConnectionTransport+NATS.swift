import NATSWire

/// What both NATS sessions (client and leafnode) write the same way.
extension ConnectionTransport {
    /// `-ERR '<text>'`, sent at the end of the loop's iteration.
    func sendError(_ text: String) {
        if isTracing { trace("->> [-ERR \(text)]") }
        outbound.writeError(text)
        markForFlush()
    }

    /// The peer pinged: PONG (and it is alive).
    func answerPing() {
        if isTracing {
            trace("<<- [PING]")
            trace("->> [PONG]")
        }
        outbound.writePong()
        markForFlush()
        pingReceived()
    }

    /// The NATS sessions' answer to a parser error: tell the peer what the reference tells it
    /// (some errors are not told at all), log it, close.
    func closeForProtocolError(_ error: ProtocolError) {
        let reason: CloseReason
        switch error.code {
        case .maxControlLineExceeded: reason = .maxControlLineExceeded
        case .maxPayloadExceeded: reason = .maxPayloadExceeded
        default: reason = .protocolViolation
        }
        if error.code == .unknownOperation {
            logger.error("\(logPrefix) - Client parser ERROR: \(error.detail)")
        } else {
            logger.error("\(logPrefix) - \(error.detail)")
        }
        if let text = error.wireText { sendError(text) }
        close(reason: reason)
    }
}
