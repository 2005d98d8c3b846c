import Subjects

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `$JS.API` surface (nats-server `server/jetstream_api.go`): one handler per request
/// subject, answering with the reference's JSON and error codes.
extension JetStreamEngine {
    /// Page sizes: nats-server's `JSApiListLimit` (infos) and `JSApiNamesLimit` (names).
    static let apiPageLimit = 256
    static let apiNamesPageLimit = 1024

    func handleAPI(_ message: JetStreamMessage) {
        var tokens = message.subject.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        // "$JS.API.<...>" or "$JS.<domain>.API.<...>"
        guard tokens.count >= 3, tokens[0] == "$JS" else { return }
        if tokens[1] == "API" {
            tokens.removeFirst(2)
        } else if tokens.count >= 4, tokens[2] == "API" {
            tokens.removeFirst(3)
        } else {
            return
        }
        // nats-server subscribes its endpoints one by one: a request to any other subject gets
        // no answer at all (an answer here would race a real responder, e.g. a service import
        // that maps the same subject twice).
        guard Self.isAPIEndpoint(tokens) else { return }
        apiTotal += 1
        let reply = message.reply
        guard let reply, !reply.isEmpty else { return }
        let payload = message.payload
        func respond(_ bytes: [UInt8]) { replyAfterCommit(reply, payload: bytes) }
        func fail(_ type: String, _ error: JetStreamAPIError) {
            apiErrors += 1
            respond(APIResponse.failure(type: type, error))
        }

        if Self.requiresHigherApiLevel(message.headers) {
            let isConsumerCreate = tokens.first == "CONSUMER" && (tokens.count > 1 && (tokens[1] == "CREATE" || tokens[1] == "DURABLE"))
            let type =
                isConsumerCreate
                ? "io.nats.jetstream.api.v1.consumer_create_response"
                : "io.nats.jetstream.api.v1.\(tokens.first?.lowercased() ?? "api")_response"
            return fail(type, .requiredApiLevel)
        }

        switch tokens.first {
        case "INFO" where tokens.count == 1:
            let usage = self.usage()
            let body = AccountInfoBody(
                memory: usage.memoryBytes,
                storage: usage.storageBytes,
                streams: usage.streams,
                consumers: usage.consumers,
                limits: AccountInfoBody.Limits(
                    maxMemory: configuration.maxMemory, maxStorage: configuration.maxStorage,
                    maxStreams: configuration.maxStreams, maxConsumers: configuration.maxConsumers,
                    maxAckPending: configuration.maxAckPending, memoryMaxStreamBytes: configuration.memoryMaxStreamBytes,
                    storageMaxStreamBytes: configuration.storageMaxStreamBytes, maxBytesRequired: configuration.maxBytesRequired),
                domain: configuration.domain,
                // nats-server counts a request once it has answered it: not this one yet.
                api: .init(total: apiTotal - 1, errors: apiErrors)
            )
            respond(APIResponse.success(type: APIResponseType.accountInfo, body))
        case "STREAM":
            handleStreamAPI(Array(tokens.dropFirst()), payload: payload, respond: respond, fail: fail)
        case "CONSUMER":
            handleConsumerAPI(Array(tokens.dropFirst()), payload: payload, reply: reply, respond: respond, fail: fail)
        case "DIRECT":
            // DIRECT.GET.<stream>: only streams with allow_direct subscribe; nothing to say here.
            break
        default:
            fail("", .badRequest)
        }
    }

    /// The request subjects nats-server 2.9 answers (`server/jetstream_api.go`), after
    /// `$JS.API.`: `*` is one token, `>` one or more.
    static let apiEndpoints: [[Substring]] = [
        "INFO",
        "STREAM.CREATE.*", "STREAM.UPDATE.*", "STREAM.NAMES", "STREAM.LIST", "STREAM.INFO.*", "STREAM.DELETE.*",
        "STREAM.PURGE.*", "STREAM.SNAPSHOT.*", "STREAM.RESTORE.*", "STREAM.MSG.DELETE.*", "STREAM.MSG.GET.*",
        "STREAM.PEER.REMOVE.*", "STREAM.LEADER.STEPDOWN.*",
        "STREAM.TEMPLATE.CREATE.*", "STREAM.TEMPLATE.NAMES", "STREAM.TEMPLATE.INFO.*", "STREAM.TEMPLATE.DELETE.*",
        "CONSUMER.CREATE.*", "CONSUMER.CREATE.*.*", "CONSUMER.CREATE.*.*.>", "CONSUMER.DURABLE.CREATE.*.*",
        "CONSUMER.NAMES.*", "CONSUMER.LIST.*", "CONSUMER.INFO.*.*", "CONSUMER.DELETE.*.*", "CONSUMER.LEADER.STEPDOWN.*.*",
        "CONSUMER.MSG.NEXT.*.*",
        "META.LEADER.STEPDOWN", "SERVER.REMOVE", "ACCOUNT.PURGE.*",
    ].map { $0.split(separator: ".") }

    static func isAPIEndpoint(_ tokens: [String]) -> Bool {
        apiEndpoints.contains { pattern in
            for (index, part) in pattern.enumerated() {
                if part == ">" { return tokens.count > index }
                guard index < tokens.count, part == "*" || part == tokens[index] else { return false }
            }
            return tokens.count == pattern.count
        }
    }

    private func decode<Value: Decodable>(_ type: Value.Type, _ payload: [UInt8]) -> Value? {
        try? JSONDecoder().decode(type, from: Data(payload))
    }

    // MARK: - STREAM

    private func handleStreamAPI(
        _ tokens: [String],
        payload: [UInt8],
        respond: ([UInt8]) -> Void,
        fail: (String, JetStreamAPIError) -> Void
    ) {
        guard let verb = tokens.first else { return fail("", .badRequest) }
        switch verb {
        case "CREATE", "UPDATE":
            let type = verb == "CREATE" ? APIResponseType.streamCreate : APIResponseType.streamUpdate
            guard tokens.count == 2 else { return fail(type, .badRequest) }
            guard let requested = decode(StreamConfiguration.self, payload) else { return fail(type, .invalidJSON) }
            if !requested.name.isEmpty && requested.name != tokens[1] { return fail(type, .streamMismatch) }
            var configuration = requested
            configuration.name = tokens[1]
            let result = verb == "CREATE" ? createStream(configuration) : updateStream(configuration)
            switch result {
            case .success(let stream):
                // nats-server's create and update answers name no cluster (INFO and LIST do).
                if var info = try? stream.info() {
                    info.cluster = nil
                    respond(APIResponse.success(type: type, info))
                }
            case .failure(let error):
                fail(type, error)
            }
        case "INFO":
            guard tokens.count == 2, let stream = streams[tokens[1]] else { return fail(APIResponseType.streamInfo, .streamNotFound) }
            let request = payload.isEmpty ? StreamInfoRequest() : (decode(StreamInfoRequest.self, payload) ?? StreamInfoRequest())
            guard let info = try? stream.info(subjectsFilter: request.subjectsFilter, deletedDetails: request.deletedDetails) else {
                return fail(APIResponseType.streamInfo, .streamNotFound)
            }
            respond(APIResponse.success(type: APIResponseType.streamInfo, info))
        case "NAMES", "LIST":
            let request = payload.isEmpty ? ListRequest() : (decode(ListRequest.self, payload) ?? ListRequest())
            var selected = streams.values.sorted { $0.name < $1.name }
            if let subject = request.subject, !subject.isEmpty {
                selected = selected.filter { stream in stream.configuration.subjects.contains { SubjectPattern.intersects($0, subject) } }
            }
            let page = Array(selected.dropFirst(request.offset).prefix(verb == "NAMES" ? Self.apiNamesPageLimit : Self.apiPageLimit))
            if verb == "NAMES" {
                respond(
                    APIResponse.success(
                        type: APIResponseType.streamNames,
                        ListBody(
                            total: selected.count, offset: request.offset, limit: Self.apiNamesPageLimit, items: page.map(\.name),
                            key: "streams")))
            } else {
                let infos = page.compactMap { try? $0.info() }
                respond(
                    APIResponse.success(
                        type: APIResponseType.streamList,
                        ListBody(total: selected.count, offset: request.offset, limit: Self.apiPageLimit, items: infos, key: "streams")))
            }
        case "DELETE":
            guard tokens.count == 2, let stream = streams[tokens[1]] else { return fail(APIResponseType.streamDelete, .streamNotFound) }
            deleteStream(stream)
            respond(APIResponse.success(type: APIResponseType.streamDelete, SuccessBody()))
        case "PURGE":
            guard tokens.count == 2, let stream = streams[tokens[1]] else { return fail(APIResponseType.streamPurge, .streamNotFound) }
            if stream.configuration.sealed { return fail(APIResponseType.streamPurge, .streamSealed) }
            if stream.configuration.denyPurge { return fail(APIResponseType.streamPurge, .streamPurgeFailed("stream purge not permitted")) }
            let request = payload.isEmpty ? PurgeRequest() : decode(PurgeRequest.self, payload)
            guard let request else { return fail(APIResponseType.streamPurge, .invalidJSON) }
            if request.sequence != nil && request.keep != nil {
                return fail(APIResponseType.streamPurge, .badRequest)
            }
            do {
                let purged = try purge(stream, request)
                respond(APIResponse.success(type: APIResponseType.streamPurge, PurgeBody(purged: purged)))
            } catch {
                fail(APIResponseType.streamPurge, .streamPurgeFailed(error.message))
            }
        case "MSG":
            // As nats-server, a malformed get is refused before the stream is looked up.
            var getRequest: MessageGetRequest?
            if tokens.count == 3 && tokens[1] == "GET" {
                if payload.isEmpty { return fail(APIResponseType.streamMessageGet, .badRequest) }
                guard let request = decode(MessageGetRequest.self, payload) else {
                    return fail(APIResponseType.streamMessageGet, .invalidJSON)
                }
                if request.defect != nil { return fail(APIResponseType.streamMessageGet, .badRequest) }
                getRequest = request
            }
            guard tokens.count == 3, let stream = streams[tokens[2]] else {
                let type =
                    tokens.count > 1 && tokens[1] == "DELETE" ? APIResponseType.streamMessageDelete : APIResponseType.streamMessageGet
                return fail(type, .streamNotFound)
            }
            if let request = getRequest {
                switch getMessage(stream, request) {
                case .success(let message): respond(APIResponse.success(type: APIResponseType.streamMessageGet, StoredMessageBody(message)))
                case .failure(let error): fail(APIResponseType.streamMessageGet, error)
                }
            } else if tokens[1] == "DELETE" {
                guard let request = decode(MessageDeleteRequest.self, payload) else {
                    return fail(APIResponseType.streamMessageDelete, .invalidJSON)
                }
                if stream.configuration.sealed { return fail(APIResponseType.streamMessageDelete, .streamSealed) }
                if stream.configuration.denyDelete {
                    return fail(APIResponseType.streamMessageDelete, .streamMsgDeleteFailed("message delete not permitted"))
                }
                let removed = (try? stream.remove(sequence: request.sequence)) ?? nil
                guard removed != nil else {
                    return fail(APIResponseType.streamMessageDelete, Self.messageNotDeleted(request.sequence, in: stream))
                }
                saveStreamRecord(stream)
                touchedStreams.insert(stream.name)
                respond(APIResponse.success(type: APIResponseType.streamMessageDelete, SuccessBody()))
            } else {
                fail("", .badRequest)
            }
        default:
            fail("", .badRequest)
        }
    }

    /// Why `sequence` could not be deleted, in the words of nats-server's store of the same
    /// kind: its memory store only says the sequence is not there; its file store tells a
    /// sequence past the end ("stream store EOF") and one before the first message ("no
    /// message found") from a gap inside the stream.
    static func messageNotDeleted(_ sequence: UInt64, in stream: Stream) -> JetStreamAPIError {
        if stream.isMemory { return .sequenceNotFound(sequence) }
        if sequence > stream.lastSequence { return .streamMsgDeleteFailed("stream store EOF") }
        if sequence == 0 || sequence < stream.firstSequence { return .streamMsgDeleteFailed("no message found") }
        return .sequenceNotFound(sequence)
    }

    /// `STREAM.MSG.GET`: by sequence, last on a subject, or next on a subject from a sequence.
    func getMessage(_ stream: Stream, _ request: MessageGetRequest) -> Result<StoredMessage, JetStreamAPIError> {
        do {
            if let subject = request.nextBySubject, !subject.isEmpty {
                if let message = try stream.store.nextMessage(from: max(1, request.sequence ?? 0), matching: subject) {
                    return .success(message)
                }
                return .failure(.noMessageFound)
            }
            if let subject = request.lastBySubject, !subject.isEmpty {
                if !SubjectValidation.hasWildcard(subject) {
                    if let message = try stream.store.lastMessage(subject: subject) { return .success(message) }
                } else {
                    let last = stream.subjects.filter { SubjectPattern.matches(pattern: subject, subject: $0.key) }.map(
                        \.value.lastSequence
                    ).max()
                    if let last, let message = try stream.store.message(sequence: last) { return .success(message) }
                }
                return .failure(.noMessageFound)
            }
            if let sequence = request.sequence, sequence > 0, let message = try stream.store.message(sequence: sequence) {
                return .success(message)
            }
            return .failure(.noMessageFound)
        } catch {
            return .failure(.streamGeneralError(error.message))
        }
    }

    /// `$JS.API.DIRECT.GET.<stream>[.<subject>]`: the message itself with its stream headers.
    func handleDirectGet(_ message: JetStreamMessage, stream name: String) {
        guard let reply = message.reply, let stream = streams[name] else { return }
        let base = "$JS.API.DIRECT.GET.\(name)"
        var request: MessageGetRequest
        if message.subject.count > base.count + 1 {
            request = MessageGetRequest()
            request.lastBySubject = String(message.subject.dropFirst(base.count + 1))
        } else if message.payload.isEmpty {
            return replyAfterCommit(reply, payload: [], headers: NATSHeaders.status(408, "Empty Request"))
        } else if let decoded = decode(MessageGetRequest.self, message.payload) {
            switch decoded.defect {
            case .empty: return replyAfterCommit(reply, payload: [], headers: NATSHeaders.status(408, "Empty Request"))
            case .conflicting: return replyAfterCommit(reply, payload: [], headers: NATSHeaders.status(408, "Bad Request"))
            case nil: request = decoded
            }
        } else {
            return replyAfterCommit(reply, payload: [], headers: NATSHeaders.status(408, "Malformed Request"))
        }
        switch getMessage(stream, request) {
        case .success(let found):
            var headers = found.headers.flatMap { NATSHeaders(parsing: $0) } ?? NATSHeaders()
            headers.set(JetStreamHeader.stream, name)
            headers.set(JetStreamHeader.subject, found.subject)
            headers.set(JetStreamHeader.sequence, String(found.sequence))
            headers.set(JetStreamHeader.timeStamp, JetStreamTime(nanoseconds: found.timestamp).goText)
            replyAfterCommit(reply, payload: found.payload, headers: headers.encoded)
        case .failure:
            replyAfterCommit(reply, payload: [], headers: NATSHeaders.status(404, "Message Not Found"))
        }
    }

    // MARK: - CONSUMER

    private func handleConsumerAPI(
        _ tokens: [String],
        payload: [UInt8],
        reply: String,
        respond: ([UInt8]) -> Void,
        fail: (String, JetStreamAPIError) -> Void
    ) {
        guard let verb = tokens.first else { return fail("", .badRequest) }
        switch verb {
        case "CREATE", "DURABLE":
            // CREATE.<stream> (legacy ephemeral) | CREATE.<stream>.<name>[.<filter...>] |
            // DURABLE.CREATE.<stream>.<durable> (legacy durable). The checks, their order and
            // their errors are nats-server's; all come before the stream is looked up.
            let type = APIResponseType.consumerCreate
            var rest = Array(tokens.dropFirst())
            let isLegacyDurable = verb == "DURABLE"
            if isLegacyDurable {
                guard rest.first == "CREATE" else { return fail(type, .badRequest) }
                rest.removeFirst()
            }
            // nats-server subscribes DURABLE.CREATE.*.* only: other token counts go unanswered.
            if isLegacyDurable && rest.count != 2 { return }
            guard !rest.isEmpty else { return fail(type, .badRequest) }
            guard let request = decode(CreateConsumerRequest.self, payload) else { return fail(type, .invalidJSON) }
            let streamName = rest[0]
            let subjectName = rest.count >= 2 ? rest[1] : nil
            // nats-server 2.9 ignored a one-token filter here (more than 7 subject tokens); later
            // releases take it, as we do.
            let subjectFilter = !isLegacyDurable && rest.count > 2 ? rest[2...].joined(separator: ".") : nil
            if request.streamName != streamName { return fail(type, .streamMismatch) }
            if let subjectName, subjectName.contains(where: { $0 == "/" || $0 == "\\" }) {
                return fail(type, .consumerNameContainsPathSeparators)
            }
            var configuration = request.config ?? ConsumerConfiguration()  // Go's zero value
            let durable = configuration.durableName ?? ""
            if isLegacyDurable {
                if durable.isEmpty { return fail(type, .consumerDurableNameNotSet) }
                if durable != subjectName { return fail(type, .consumerDurableNameNotMatchSubject) }
            } else if let subjectName {
                if !durable.isEmpty && durable != subjectName { return fail(type, .consumerDurableNameNotMatchSubject) }
                configuration.name = subjectName
            } else if !durable.isEmpty {
                return fail(type, .consumerEphemeralWithDurableName)
            }
            if let subjectFilter, configuration.filterSubject != subjectFilter {
                return fail(type, .consumerCreateFilterSubjectMismatch)
            }
            guard let stream = streams[streamName] else { return fail(type, .streamNotFound) }
            switch createConsumer(stream, configuration) {
            case .success(let consumer): respond(APIResponse.success(type: type, consumer.info()))
            case .failure(let error): fail(type, error)
            }
        case "INFO":
            guard tokens.count == 3 else { return fail(APIResponseType.consumerInfo, .badRequest) }
            guard let stream = streams[tokens[1]] else { return fail(APIResponseType.consumerInfo, .streamNotFound) }
            guard let consumer = stream.consumers[tokens[2]] else { return fail(APIResponseType.consumerInfo, .consumerNotFound) }
            respond(APIResponse.success(type: APIResponseType.consumerInfo, consumer.info()))
        case "NAMES", "LIST":
            let type = verb == "NAMES" ? APIResponseType.consumerNames : APIResponseType.consumerList
            guard tokens.count == 2 else { return fail(type, .badRequest) }
            guard let stream = streams[tokens[1]] else { return fail(type, .streamNotFound) }
            let request = payload.isEmpty ? ListRequest() : (decode(ListRequest.self, payload) ?? ListRequest())
            let all = stream.consumers.values.sorted { $0.name < $1.name }
            let page = Array(all.dropFirst(request.offset).prefix(verb == "NAMES" ? Self.apiNamesPageLimit : Self.apiPageLimit))
            if verb == "NAMES" {
                respond(
                    APIResponse.success(
                        type: type,
                        ListBody(
                            total: all.count, offset: request.offset, limit: Self.apiNamesPageLimit, items: page.map(\.name),
                            key: "consumers")))
            } else {
                respond(
                    APIResponse.success(
                        type: type,
                        ListBody(
                            total: all.count, offset: request.offset, limit: Self.apiPageLimit, items: page.map { $0.info() },
                            key: "consumers")))
            }
        case "DELETE":
            guard tokens.count == 3 else { return fail(APIResponseType.consumerDelete, .badRequest) }
            guard let stream = streams[tokens[1]] else { return fail(APIResponseType.consumerDelete, .streamNotFound) }
            guard let consumer = stream.consumers[tokens[2]] else { return fail(APIResponseType.consumerDelete, .consumerNotFound) }
            deleteConsumer(consumer)
            respond(APIResponse.success(type: APIResponseType.consumerDelete, SuccessBody()))
        case "MSG":
            // MSG.NEXT.<stream>.<consumer>: each consumer of nats-server subscribes its own, so a
            // request for one that does not exist gets no answer.
            guard tokens.count == 4, tokens[1] == "NEXT", let stream = streams[tokens[2]], let consumer = stream.consumers[tokens[3]] else {
                return
            }
            guard consumer.configuration.isPull else {
                replyAfterCommit(reply, payload: [], headers: NATSHeaders.status(409, "Consumer is push based"))
                return
            }
            guard let request = NextRequest.parse(payload) else {
                replyAfterCommit(reply, payload: [], headers: NATSHeaders.status(400, "Bad Request"))
                return
            }
            consumer.addPullRequest(request, reply: reply)
        default:
            fail("", .badRequest)
        }
    }
}

extension JetStreamTime {
    /// Go's `time.Time.String()`-like text nats-server puts in `Nats-Time-Stamp` (RFC 3339).
    var goText: String { text }
}
