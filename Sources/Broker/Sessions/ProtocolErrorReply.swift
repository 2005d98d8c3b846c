import NATSWire

extension ConnectionTransport {
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
        if let text = error.wireText {
            if isTracing { trace("->> [-ERR \(text)]") }
            outbound.writeError(text)
            markForFlush()
        }
        close(reason: reason)
    }
}
