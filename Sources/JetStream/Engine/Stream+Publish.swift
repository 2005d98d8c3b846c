/// Storing a published message: header checks, deduplication, discard policy, limits,
/// rollups, retention (nats-server `processJetStreamMsg`).
extension Stream {
    /// What happened to a publish: the PubAck JSON to send back, or an API error.
    enum PublishOutcome {
        case stored(sequence: UInt64)
        case duplicate(sequence: UInt64)
        case failed(JetStreamAPIError)
    }

    /// Where a message taken from another stream (a mirror or a source) came from.
    struct Origin {
        var sequence: UInt64
        var timestamp: Int64
        var isMirror: Bool
    }

    /// Stores a message a mirror or source link took from its origin: a mirror keeps the
    /// origin's sequence and time; a sourced message gets `Nats-Stream-Source` (the link's
    /// position after a restart) and goes through deduplication and the limits.
    func storeSourced(
        _ message: JetStreamMessage, originSequence: UInt64, originTimestamp: Int64, link: StreamSourceLink, now: Int64
    ) throws(StoreError) -> PublishOutcome {
        var sourced = message
        if !link.isMirror {
            // The origin's expectations were checked when it stored the message; here they would
            // refuse most KV updates (nats-server strips them too, since 2.10.14).
            let stripped = message.headers.map { NATSHeaders.removing(prefix: "Nats-Expected-", from: $0) }
            sourced.headers = NATSHeaders.setting(JetStreamHeader.streamSource, to: "\(link.indexName) \(originSequence)", in: stripped)
        }
        return try store(sourced, now: now, origin: Origin(sequence: originSequence, timestamp: originTimestamp, isMirror: link.isMirror))
    }

    /// Stores `message` if its headers and the limits allow.
    func store(_ message: JetStreamMessage, now: Int64, origin: Origin? = nil) throws(StoreError) -> PublishOutcome {
        let configuration = self.configuration
        if configuration.sealed { return .failed(.streamSealed) }
        if configuration.mirror != nil && origin?.isMirror != true {
            // Mirrors only take what they mirror.
            return .failed(.streamStoreFailed("stream is a mirror"))
        }
        let headerBytes = message.headers ?? []
        let totalSize = headerBytes.count + message.payload.count
        if configuration.maxMessageSize > 0 && totalSize > Int(configuration.maxMessageSize) {
            return .failed(.streamMessageExceedsMaximum)
        }
        var messageID: String?
        var rollup: String?
        if !headerBytes.isEmpty && origin?.isMirror != true {
            if let expected = NATSHeaders.value(of: JetStreamHeader.expectedStream, in: headerBytes), expected != name, origin == nil {
                return .failed(.streamNotMatch)
            }
            messageID = NATSHeaders.value(of: JetStreamHeader.messageID, in: headerBytes)
            if let id = messageID, !id.isEmpty {
                pruneDuplicates(now: now)
                if let original = duplicates[id] { return .duplicate(sequence: original) }
            }
            if let expectedID = NATSHeaders.value(of: JetStreamHeader.expectedLastMessageID, in: headerBytes),
                expectedID != (lastMessageID ?? "")
            {
                return .failed(.streamWrongLastMsgID(lastMessageID ?? ""))
            }
            if let text = NATSHeaders.value(of: JetStreamHeader.expectedLastSequence, in: headerBytes) {
                guard let expected = UInt64(text), expected == lastSequence else {
                    return .failed(.streamWrongLastSequence(lastSequence))
                }
            }
            if let text = NATSHeaders.value(of: JetStreamHeader.expectedLastSubjectSequence, in: headerBytes) {
                let current = subjects[message.subject]?.lastSequence ?? 0
                guard let expected = UInt64(text), expected == current else {
                    return .failed(.streamWrongLastSequence(current))
                }
            }
            rollup = NATSHeaders.value(of: JetStreamHeader.rollup, in: headerBytes)
            if let rollup {
                guard configuration.allowRollupHeaders else { return .failed(.streamRollupFailed("rollup not permitted")) }
                guard rollup == "sub" || rollup == "all" else {
                    return .failed(.streamRollupFailed("rollup value invalid: \(rollup)"))
                }
            }
        }
        // A mirror keeps the origin's numbering: what the origin no longer has is skipped.
        let sequence = origin?.isMirror == true ? max(lastSequence + 1, origin!.sequence) : lastSequence + 1
        let timestamp = origin?.isMirror == true ? origin!.timestamp : max(now, lastTimestamp)
        let candidate = StoredMessage(
            sequence: sequence,
            subject: message.subject,
            headers: headerBytes.isEmpty ? nil : headerBytes,
            payload: message.payload,
            timestamp: timestamp
        )
        let size = self.size(of: candidate)
        if let failure = engine.resourceFailure(memory: isMemory, adding: size) { return .failed(failure) }

        // Discard new: refuse rather than make room.
        if configuration.discard == .new && rollup == nil {
            if configuration.maxMessages > 0 && messageCount >= UInt64(configuration.maxMessages) {
                return .failed(.streamStoreFailed("maximum messages exceeded"))
            }
            if configuration.maxBytes > 0 && byteCount + size > UInt64(configuration.maxBytes) {
                return .failed(.streamStoreFailed("maximum bytes exceeded"))
            }
            if configuration.discardNewPerSubject && configuration.maxMessagesPerSubject > 0,
                let state = subjects[message.subject], state.messages >= UInt64(configuration.maxMessagesPerSubject)
            {
                return .failed(.streamStoreFailed("maximum messages per subject exceeded"))
            }
        }

        // Interest retention with nobody to deliver to: the sequence moves on, nothing is kept.
        if configuration.retention == .interest && !consumers.values.contains(where: { $0.wants(subject: message.subject) }) {
            lastSequence += 1
            lastTimestamp = candidate.timestamp
            if messageCount == 0 { firstSequence = lastSequence + 1 }
            engine.streamWatermarkChanged(self)
            return .stored(sequence: lastSequence)
        }

        let previousOnSubject = subjects[candidate.subject]?.lastSequence ?? 0
        try store.append(candidate)
        lastSequence = candidate.sequence
        lastTimestamp = candidate.timestamp
        if messageCount == 0 {
            firstSequence = candidate.sequence
            firstTimestamp = candidate.timestamp
        }
        messageCount += 1
        byteCount += size
        if var state = subjects[candidate.subject] {
            state.messages += 1
            state.lastSequence = candidate.sequence
            subjects[candidate.subject] = state
        } else {
            subjects[candidate.subject] = SubjectState(messages: 1, firstSequence: candidate.sequence, lastSequence: candidate.sequence)
        }
        if let messageID, !messageID.isEmpty {
            recordDuplicate(id: messageID, sequence: candidate.sequence, timestamp: candidate.timestamp)
            lastMessageID = messageID
        }
        if let rollup {
            try applyRollup(rollup, keeping: candidate)
        }
        try enforceLimits(afterStoring: candidate.subject)
        for consumer in consumers.values { consumer.messageStored(candidate) }
        republish(candidate, previousOnSubject: previousOnSubject)
        return .stored(sequence: candidate.sequence)
    }

    /// `republish`: a copy of the stored message (or, headers only, its size) on the mapped
    /// subject with `Nats-Stream`, `Nats-Subject`, `Nats-Sequence` and `Nats-Last-Sequence` (the
    /// subject's previous message, for gap detection), sent once the batch has committed.
    private func republish(_ message: StoredMessage, previousOnSubject: UInt64) {
        guard let transform = republishTransform, let subject = transform.apply(message.subject) else { return }
        let headersOnly = configuration.republish?.headersOnly ?? false
        var fields = [
            (JetStreamHeader.stream, name), (JetStreamHeader.subject, message.subject),
            (JetStreamHeader.sequence, String(message.sequence)), (JetStreamHeader.lastSequence, String(previousOnSubject)),
        ]
        if headersOnly { fields.append((JetStreamHeader.messageSize, String(message.payload.count))) }
        // Added after the message's own headers, as nats-server does, not in place of them.
        let headers = NATSHeaders.appending(fields, to: message.headers)
        engine.publishAfterCommit(subject, headers: headers, payload: headersOnly ? [] : message.payload)
    }

    /// `Nats-Rollup: sub` keeps only the new message on its subject; `all` keeps only it in the
    /// stream.
    private func applyRollup(_ rollup: String, keeping message: StoredMessage) throws(StoreError) {
        let filter = rollup == "sub" ? message.subject : nil
        for sequence in try store.sequences(matching: filter, below: message.sequence) {
            try remove(sequence: sequence)
        }
    }

    /// The PubAck JSON (written by hand: this is per message).
    func publishAcknowledgement(sequence: UInt64, duplicate: Bool) -> [UInt8] {
        var text = "{\"stream\":\(quotedName)"
        if let domain = engine.configuration.domain, !domain.isEmpty { text += ",\"domain\":\"\(domain)\"" }
        text += ",\"seq\":\(sequence)"
        if duplicate { text += ",\"duplicate\":true" }
        text += "}"
        return Array(text.utf8)
    }

    /// `{"error":{...},"stream":"S","seq":0}` for a failed publish, as nats-server answers it.
    func publishError(_ error: JetStreamAPIError) -> [UInt8] {
        var reply = APIResponse.failure(type: "", error).dropFirstTypeField()
        guard reply.last == UInt8(ascii: "}") else { return reply }
        reply.removeLast()
        reply += Array(",\"stream\":\(quotedName),\"seq\":0}".utf8)
        return reply
    }
}

extension Array where Element == UInt8 {
    /// `{"type":"","error":…}` → `{"error":…}` (PubAck errors carry no type).
    func dropFirstTypeField() -> [UInt8] {
        let prefix = Array("{\"type\":\"\",".utf8)
        guard starts(with: prefix) else { return self }
        return [UInt8(ascii: "{")] + self[prefix.count...]
    }
}
