import NIOCore
import Subjects

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Creating, updating and deleting streams and consumers, with nats-server's validation
/// (`checkStreamCfg`, `checkConsumerCfg`).
extension JetStreamEngine {
    // MARK: - Streams

    /// A name for streams and consumers: no whitespace, no `.`, `*`, `>`, no path separators.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains { " \t\r\n.*>/\\".contains($0) }
    }

    func createStream(_ requested: StreamConfiguration) -> Result<Stream, JetStreamAPIError> {
        let configuration = requested.normalized()
        // nats-server refuses these two before anything else, even for a stream that exists.
        if configuration.sealed { return .failure(.streamInvalidConfig("stream configuration for create can not be sealed")) }
        if configuration.mirrorDirect && configuration.mirror == nil {
            return .failure(.streamInvalidConfig("stream has no mirror but does have mirror direct"))
        }
        if let existing = streams[configuration.name] {
            // Creating what exists, the same way, answers with the stream (nats-server too).
            if existing.configuration == configuration { return .success(existing) }
            return .failure(.streamNameExist)
        }
        if self.configuration.maxStreams > 0 && streams.count >= self.configuration.maxStreams { return .failure(.maximumStreamsLimit) }
        if let error = validate(configuration, existing: nil) { return .failure(error) }
        if let error = reservationFailure(for: configuration, updating: nil) { return .failure(error) }
        let storage = configuration.storage == .memory ? memoryStorage : fileStorage
        let created = JetStreamTime(nanoseconds: now())
        // `first_seq`: the stream starts as if that many messages minus one had come and gone.
        let initialLastSequence = configuration.firstSequence > 0 ? configuration.firstSequence - 1 : 0
        let record = StoredStreamRecord(config: configuration, created: created, lastSequence: initialLastSequence)
        do {
            let data = try JSONEncoder().encode(record)
            let store = try storage.createStream(name: configuration.name, configuration: [UInt8](data))
            let stream = Stream(engine: self, configuration: configuration, created: created, store: store)
            stream.lastSequence = initialLastSequence
            stream.firstSequence = initialLastSequence + 1
            add(stream)
            try subscribe(stream)
            return .success(stream)
        } catch let error as StoreError {
            return .failure(error.code == .full ? .storageResourcesExceeded : .streamCreate(error.message))
        } catch {
            return .failure(.streamCreate("\(error)"))
        }
    }

    func updateStream(_ requested: StreamConfiguration) -> Result<Stream, JetStreamAPIError> {
        guard let stream = streams[requested.name] else { return .failure(.streamNotFound) }
        var configuration = requested.normalized()
        if let error = validate(configuration, existing: stream) { return .failure(error) }
        let old = stream.configuration
        configuration.firstSequence = old.firstSequence  // where the stream started stays as it was
        // nats-server `checkStreamUpdate`, in its order and words.
        if configuration.maxConsumers != old.maxConsumers {
            return .failure(.streamInvalidConfig("stream configuration update can not change MaxConsumers"))
        }
        if configuration.storage != old.storage {
            return .failure(.streamInvalidConfig("stream configuration update can not change storage type"))
        }
        if configuration.retention != old.retention {
            return .failure(.streamInvalidConfig("stream configuration update can not change retention policy"))
        }
        if old.sealed && !configuration.sealed {
            return .failure(.streamInvalidConfig("stream configuration update can not unseal a sealed stream"))
        }
        if old.denyDelete && !configuration.denyDelete {
            return .failure(.streamInvalidConfig("stream configuration update can not cancel deny message deletes"))
        }
        if old.denyPurge && !configuration.denyPurge {
            return .failure(.streamInvalidConfig("stream configuration update can not cancel deny purge"))
        }
        if old.republish != configuration.republish {
            return .failure(.streamInvalidConfig("stream configuration update can not change RePublish"))
        }
        if (old.mirror == nil) != (configuration.mirror == nil) || old.mirror != configuration.mirror {
            return .failure(.streamMirrorNotUpdatable)
        }
        if let error = reservationFailure(for: configuration, updating: stream.name) { return .failure(error) }
        unsubscribe(stream)
        stream.configuration = configuration
        do {
            try subscribe(stream)
            try stream.enforceLimitsEverywhere()
        } catch {
            return .failure(.streamUpdate("\(error)"))
        }
        saveStreamRecord(stream)
        touchedStreams.insert(stream.name)
        return .success(stream)
    }

    /// The checks shared by create and update (nats-server `checkStreamCfg`, its words).
    private func validate(_ configuration: StreamConfiguration, existing: Stream?) -> JetStreamAPIError? {
        if !Self.isValidName(configuration.name) {
            return .streamInvalidConfig("stream name is required and can not contain '.', '*', '>'")
        }
        if configuration.name.utf8.count > Self.maxNameLength {
            return .streamInvalidConfig("stream name is too long, maximum allowed is \(Self.maxNameLength)")
        }
        if (configuration.description ?? "").utf8.count > Self.maxDescriptionLength {
            return .streamInvalidConfig("stream description is too long, maximum allowed is \(Self.maxDescriptionLength)")
        }
        if configuration.replicas > 5 { return .streamInvalidConfig("maximum replicas is 5") }
        if configuration.replicas < 0 { return .replicasCountCannotBeNegative }
        if configuration.replicas > 1 { return .streamReplicasNotSupported }
        if configuration.maxAge > 0 && configuration.maxAge < 100_000_000 { return .streamInvalidConfig("max age needs to be >= 100ms") }
        if configuration.duplicateWindow < 0 { return .streamInvalidConfig("duplicates window can not be negative") }
        if configuration.maxAge != 0 && configuration.duplicateWindow > configuration.maxAge {
            return .streamInvalidConfig("duplicates window can not be larger then max age")
        }
        if configuration.duplicateWindow > 0 && configuration.duplicateWindow < 100_000_000 {
            return .streamInvalidConfig("duplicates window needs to be >= 100ms")
        }
        if configuration.denyPurge && configuration.allowRollupHeaders {
            return .streamInvalidConfig("roll-ups require the purge permission")
        }
        if configuration.discardNewPerSubject {
            if configuration.discard != .new {
                return .streamInvalidConfig("discard new per subject requires discard new policy to be set")
            }
            if configuration.maxMessagesPerSubject <= 0 {
                return .streamInvalidConfig("discard new per subject requires max msgs per subject > 0")
            }
        }
        if configuration.mirror != nil && configuration.firstSequence > 0 { return .mirrorWithFirstSeq }
        if configuration.mirror != nil && !configuration.subjects.isEmpty { return .mirrorWithSubjects }
        if configuration.mirror != nil && !(configuration.sources ?? []).isEmpty { return .mirrorWithSources }
        // Refused rather than accepted and left empty, until stream sync lands (issue 5).
        if let mirror = configuration.mirror {
            if !Self.isValidName(mirror.name) { return .mirrorInvalidStreamName }
            if mirror.optionalStartSequence ?? 0 > 0 && mirror.optionalStartTime != nil { return .mirrorWithStartSeqAndTime }
            if mirror.name == configuration.name && mirror.external == nil {
                return .streamInvalidConfig("stream mirror can not mirror itself")
            }
        }
        var seenSources: Set<String> = []
        for source in configuration.sources ?? [] {
            if source.name == configuration.name && source.external == nil { return .streamInvalidConfig("stream can not source itself") }
            let key = "\(source.name) \(source.external?.apiPrefix ?? "") \(source.filterSubject ?? "")"
            if !seenSources.insert(key).inserted { return .streamInvalidConfig("duplicate source configuration detected") }
        }
        var seen = Set<String>()
        for subject in configuration.subjects {
            if !seen.insert(subject).inserted { return .streamInvalidConfig("duplicate subjects detected") }
            if SubjectPattern.isSubset(subject, of: "$JS.API.>") { return .streamInvalidConfig("subjects overlap with jetstream api") }
            if !SubjectValidation.isValidSubject(subject) { return .streamInvalidConfig("invalid subject") }
        }
        if configuration.subjects.isEmpty && (configuration.sources ?? []).isEmpty && configuration.mirror == nil {
            return .streamInvalidConfig("stream needs at least one configured subject or be a source/mirror")
        }
        let subjects = configuration.subjects
        for subject in subjects {
            for other in subjects where other != subject && SubjectPattern.intersects(other, subject) {
                return .streamInvalidConfig("subject \"\(subject)\" overlaps with \"\(other)\"")
            }
        }
        for other in streams.values where other !== existing && other.name != configuration.name {
            for subject in subjects where other.configuration.subjects.contains(where: { SubjectPattern.intersects($0, subject) }) {
                return .streamSubjectOverlap
            }
        }
        if let republish = configuration.republish {
            if !subjects.contains(where: { SubjectPattern.intersects(republish.source, $0) }) {
                return .streamInvalidConfig("stream configuration for republish source is not valid subset of subjects")
            }
            if subjects.contains(where: { SubjectPattern.intersects(republish.destination, $0) }) {
                return .streamInvalidConfig("stream configuration for republish destination forms a cycle")
            }
            if SubjectTransform(source: republish.source, destination: republish.destination) == nil {
                return .streamInvalidConfig("stream configuration for republish not valid")
            }
        }
        return nil
    }

    static let maxNameLength = 255
    static let maxDescriptionLength = 4 * 1024

    func deleteStream(_ stream: Stream) {
        unsubscribe(stream)
        for consumer in stream.consumers.values { consumer.stop(deleted: true) }
        stream.consumers.removeAll()
        remove(stream)
        let storage = stream.isMemory ? memoryStorage : fileStorage
        do {
            try storage.deleteStream(name: stream.name)
        } catch {
            logger.error("JetStream: deleting stream \(stream.name) failed: \(error)")
        }
    }

    /// `STREAM.PURGE`: everything, a subject, up to a sequence, or all but the newest `keep`.
    func purge(_ stream: Stream, _ request: PurgeRequest) throws(StoreError) -> UInt64 {
        let before = stream.messageCount
        let filter = request.filter.flatMap { $0.isEmpty || $0 == ">" ? nil : $0 }
        if filter == nil && request.keep == nil {
            _ = try stream.removeAll(below: request.sequence ?? (stream.lastSequence + 1))
        } else {
            var sequences = try stream.store.sequences(matching: filter, below: request.sequence)
            if let keep = request.keep {
                sequences = sequences.count > Int(keep) ? Array(sequences.dropLast(Int(keep))) : []
            }
            for sequence in sequences { try stream.remove(sequence: sequence) }
        }
        saveStreamRecord(stream)
        for consumer in stream.consumers.values { try? consumer.recountPending() }
        return before - stream.messageCount
    }

    // MARK: - Consumers

    func createConsumer(_ stream: Stream, _ requested: ConsumerConfiguration) -> Result<Consumer, JetStreamAPIError> {
        var configuration = requested.normalized()
        // The account's max_ack_pending caps the default and refuses more (nats-server
        // `setConsumerConfigDefaults`, `checkConsumerCfg`).
        let accountMaxAckPending = self.configuration.maxAckPending
        if accountMaxAckPending > 0 && configuration.maxAckPending > accountMaxAckPending {
            guard requested.maxAckPending == 0 else { return .failure(.consumerMaxPendingAckExcess(accountMaxAckPending)) }
            configuration.maxAckPending = accountMaxAckPending
        }
        if let error = validate(configuration, for: stream) { return .failure(error) }
        let durable = configuration.durableName.flatMap { $0.isEmpty ? nil : $0 }
        let name = durable ?? configuration.name.flatMap { $0.isEmpty ? nil : $0 } ?? Self.randomName()
        if durable == nil && configuration.name == nil { configuration.name = name }
        if let existing = stream.consumers[name] {
            if existing.configuration == configuration { return .success(existing) }
            return updateConsumer(existing, to: configuration)
        }
        // The stream's max_consumers, lowered by the account's (nats-server 2.9 applies the
        // account's limit per stream too).
        let limits = [stream.configuration.maxConsumers, self.configuration.maxConsumers].filter { $0 > 0 }
        if let limit = limits.min(), stream.consumers.count >= limit {
            return .failure(.maximumConsumersLimit)
        }
        // Durable: named with durable_name, or (2.9) any named consumer without an inactivity limit.
        let isDurable = durable != nil
        let consumer = Consumer(
            stream: stream, name: name, configuration: configuration, created: JetStreamTime(nanoseconds: now()), isDurable: isDurable)
        do {
            try consumer.setStartingPosition()
            if isDurable {
                let data = try JSONEncoder().encode(configuration)
                try stream.store.saveConsumer(name: name, configuration: [UInt8](data), state: consumer.savedState())
            }
        } catch let error as StoreError {
            return .failure(.consumerCreate(error.message))
        } catch {
            return .failure(.consumerCreate("\(error)"))
        }
        stream.consumers[name] = consumer
        consumer.subscribeReplies()
        consumer.startHeartbeats()
        scheduleDelivery(for: consumer)
        return .success(consumer)
    }

    /// A create for an existing consumer may change what nats-server lets change.
    private func updateConsumer(_ consumer: Consumer, to configuration: ConsumerConfiguration) -> Result<Consumer, JetStreamAPIError> {
        var old = consumer.configuration
        // Fields that may change in place.
        old.description = configuration.description
        old.ackWait = configuration.ackWait
        old.maxDeliver = configuration.maxDeliver
        old.sampleFrequency = configuration.sampleFrequency
        old.maxAckPending = configuration.maxAckPending
        old.maxWaiting = configuration.maxWaiting
        old.headersOnly = configuration.headersOnly
        old.backoff = configuration.backoff
        old.inactiveThreshold = configuration.inactiveThreshold
        old.maxBatch = configuration.maxBatch
        old.maxExpires = configuration.maxExpires
        old.maxBytes = configuration.maxBytes
        old.metadata = configuration.metadata
        old.filterSubject = configuration.filterSubject
        old.filterSubjects = configuration.filterSubjects
        // A durable made without `name` (DURABLE.CREATE) may be named now by its own name.
        if old.name == nil, configuration.name == consumer.name { old.name = configuration.name }
        guard old == configuration else {
            if !consumer.configuration.isPull && consumer.isPushActive
                && consumer.configuration.deliverSubject != configuration.deliverSubject
            {
                return .failure(.consumerExistingActive)
            }
            return .failure(.consumerNameExist)
        }
        consumer.configuration = configuration
        if consumer.isDurable, let data = try? JSONEncoder().encode(configuration) {
            try? consumer.stream.store.saveConsumer(name: consumer.name, configuration: [UInt8](data), state: consumer.savedState())
        }
        try? consumer.recountPending()
        return .success(consumer)
    }

    /// nats-server `checkConsumerCfg`, on the configuration with its defaults applied.
    private func validate(_ configuration: ConsumerConfiguration, for stream: Stream) -> JetStreamAPIError? {
        if configuration.replicas > 0 && configuration.replicas > stream.configuration.replicas { return .consumerReplicasExceedsStream }
        if configuration.replicas < 0 { return .replicasCountCannotBeNegative }
        if let backoff = configuration.backoff, !backoff.isEmpty, configuration.maxDeliver <= backoff.count {
            return .consumerMaxDeliverBackoff
        }
        if (configuration.description ?? "").utf8.count > Self.maxDescriptionLength {
            return .consumerDescriptionTooLong(Self.maxDescriptionLength)
        }
        if let deliverSubject = configuration.deliverSubject, !deliverSubject.isEmpty {
            if SubjectValidation.hasWildcard(deliverSubject) { return .consumerDeliverToWildcards }
            if !SubjectValidation.isValidSubject(deliverSubject) { return .consumerInvalidDeliverSubject }
            if stream.covers(subject: deliverSubject) { return .consumerDeliverCycle }
            if configuration.maxWaiting != 0 { return .consumerPushMaxWaiting }
            if configuration.maxAckPending > 0 && configuration.ackPolicy == .none { return .consumerMaxPendingAckPolicyRequired }
            if configuration.idleHeartbeat > 0 && configuration.idleHeartbeat < 100_000_000 { return .consumerSmallHeartbeat }
        } else {
            if configuration.ackPolicy == .none && stream.configuration.retention == .workqueue { return .consumerPullRequiresAck }
            if configuration.rateLimit > 0 { return .consumerPullWithRateLimit }
            if configuration.maxWaiting < 0 { return .consumerMaxWaitingNegative }
            if configuration.idleHeartbeat > 0 { return .consumerHeartbeatRequiresPush }
            if configuration.flowControl { return .consumerFlowControlRequiresPush }
            if configuration.maxBatch < 0 { return .consumerMaxRequestBatchNegative }
            if configuration.maxExpires != 0 && configuration.maxExpires < 1_000_000 { return .consumerMaxRequestExpiresTooSmall }
        }
        if let durable = configuration.durableName, !durable.isEmpty, !Self.isValidName(durable) { return .consumerBadDurableName }
        if let name = configuration.name, !name.isEmpty, !Self.isValidName(name) { return .consumerBadDurableName }
        if let durable = configuration.durableName, let name = configuration.name, !durable.isEmpty, !name.isEmpty, durable != name {
            return .consumerCreateDurableAndNameMismatch
        }
        if configuration.flowControl && configuration.idleHeartbeat <= 0 { return .consumerWithFlowControlNeedsHeartbeats }
        if let filterSubject = configuration.filterSubject, !filterSubject.isEmpty, let filterSubjects = configuration.filterSubjects,
            !filterSubjects.isEmpty
        {
            return .consumerDuplicateFilterSubjects
        }
        for filter in configuration.filters {
            if !SubjectValidation.isValidSubject(filter) { return .consumerFilterNotSubset }
            let covered = stream.configuration.subjects.contains { SubjectPattern.intersects(filter, $0) }
            if !covered && stream.configuration.mirror == nil && (stream.configuration.sources ?? []).isEmpty {
                return .consumerFilterNotSubset
            }
        }
        switch configuration.deliverPolicy {
        case .byStartSequence where configuration.optionalStartSequence == 0:
            return .consumerInvalidPolicy("consumer delivery policy is deliver by start sequence, but optional start sequence is not set")
        case .byStartTime where configuration.optionalStartTime == nil:
            return .consumerInvalidPolicy("consumer delivery policy is deliver by start time, but optional start time is not set")
        default:
            if configuration.deliverPolicy != .byStartSequence && configuration.optionalStartSequence > 0 {
                return .consumerInvalidPolicy(
                    "consumer delivery policy is not deliver by start sequence, but optional start sequence is set")
            }
            if configuration.deliverPolicy != .byStartTime && configuration.optionalStartTime != nil {
                return .consumerInvalidPolicy("consumer delivery policy is not deliver by start time, but optional start time is set")
            }
        }
        if stream.configuration.retention == .workqueue {
            if configuration.ackPolicy != .explicit { return .consumerWorkQueueRequiresExplicitAck }
            if configuration.deliverPolicy != .all { return .consumerWorkQueueNotDeliverAll }
            let name = configuration.durableName ?? configuration.name
            for other in stream.consumers.values where other.name != name {
                if other.filters.isEmpty || configuration.filters.isEmpty { return .consumerWorkQueueMultipleUnfiltered }
                for filter in configuration.filters where other.filters.contains(where: { SubjectPattern.intersects($0, filter) }) {
                    return .consumerWorkQueueNotUnique
                }
            }
        }
        return nil
    }

    /// `max_ack_pending` was set by the client (normalisation only sets it with an ack policy).
    private func requestedMaxAckPending(_ configuration: ConsumerConfiguration) -> Bool {
        configuration.maxAckPending > 0
    }

    func deleteConsumer(_ consumer: Consumer) {
        let stream = consumer.stream
        consumer.stop(deleted: true)
        stream.consumers[consumer.name] = nil
        if consumer.isDurable { try? stream.store.deleteConsumer(name: consumer.name) }
        // Interest retention: messages only this consumer held back may go now.
        if stream.configuration.retention == .interest {
            touchedStreams.insert(stream.name)
        }
    }

    /// 22 characters like nats-server's generated consumer names.
    static func randomName() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return String((0..<22).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

extension Stream {
    /// After an update that tightened limits: apply them to what is stored.
    func enforceLimitsEverywhere() throws(StoreError) {
        for subject in Array(subjects.keys) { try enforceLimits(afterStoring: subject) }
        if subjects.isEmpty { try enforceLimits(afterStoring: "") }
    }
}
