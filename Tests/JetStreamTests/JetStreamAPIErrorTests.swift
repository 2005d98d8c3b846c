import JetStream
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks the generated error table against values copied by hand from nats-server's
/// server/errors.json (v2.10.22; the v2.9.10 entries are the same) and the JSON form of
/// `ApiError` (server/jetstream_errors.go).
@Suite("JetStreamAPIError")
struct JetStreamAPIErrorTests {
    /// (Go constant, code, err_code, description template) straight from errors.json.
    static let sample: [(String, Int, Int, String)] = [
        ("JSAccountResourcesExceededErr", 400, 10002, "resource limits exceeded for account"),
        ("JSBadRequestErr", 400, 10003, "bad request"),
        ("JSConsumerNotFoundErr", 404, 10014, "consumer not found"),
        ("JSInvalidJSONErr", 400, 10025, "invalid JSON"),
        ("JSNoMessageFoundErr", 404, 10037, "no message found"),
        ("JSStreamCreateErrF", 500, 10049, "{err}"),
        ("JSStreamNameExistErr", 400, 10058, "stream name already in use with a different configuration"),
        ("JSStreamNotFoundErr", 404, 10059, "stream not found"),
        ("JSStreamSubjectOverlapErr", 400, 10065, "subjects overlap with an existing stream"),
        ("JSStreamWrongLastMsgIDErrF", 400, 10070, "wrong last msg ID: {id}"),
        ("JSStreamWrongLastSequenceErrF", 400, 10071, "wrong last sequence: {seq}"),
        ("JSNotEnabledErr", 503, 10076, "JetStream not enabled"),
        ("JSStreamStoreFailedF", 503, 10077, "{err}"),
        ("JSConsumerHBRequiresPushErr", 400, 10088, "consumer idle heartbeat requires a push based consumer"),
        ("JSConsumerBadDurableNameErr", 400, 10103, "durable name can not contain '.', '*', '>'"),
        ("JSStreamSealedErr", 400, 10109, "invalid operation on sealed stream"),
        ("JSConsumerMaxRequestExpiresToSmall", 400, 10115, "consumer max request expires needs to be >= 1ms"),
        ("JSConsumerInactiveThresholdExcess", 400, 10153, "consumer inactive threshold exceeds system limit of {limit}"),
    ]

    @Test("table has every errors.json entry, contiguous err_codes 10002...10153")
    func tableShape() {
        #expect(JetStreamAPIError.table.count == 152)
        #expect(JetStreamAPIError.table.map(\.errorCode) == Array(10002...10153))
        #expect(Set(JetStreamAPIError.table.map(\.constant)).count == 152)
        #expect(JetStreamAPIError.entry(errorCode: 10001) == nil)
        #expect(JetStreamAPIError.entry(errorCode: 10154) == nil)
    }

    @Test("sample entries match errors.json")
    func sampleEntries() throws {
        for (constant, code, errorCode, template) in Self.sample {
            let entry = try #require(JetStreamAPIError.entry(constant: constant))
            #expect(entry.code == code, "\(constant)")
            #expect(entry.errorCode == errorCode, "\(constant)")
            #expect(entry.template == template, "\(constant)")
            #expect(JetStreamAPIError.entry(errorCode: errorCode) == entry)
        }
    }

    @Test("constructors without tags return the entry as is")
    func plainConstructors() {
        #expect(JetStreamAPIError.streamNotFound == JetStreamAPIError(code: 404, errorCode: 10059, description: "stream not found"))
        #expect(
            JetStreamAPIError.streamNameExist
                == JetStreamAPIError(
                    code: 400, errorCode: 10058, description: "stream name already in use with a different configuration"))
        #expect(JetStreamAPIError.consumerNotFound == JetStreamAPIError(code: 404, errorCode: 10014, description: "consumer not found"))
        #expect(JetStreamAPIError.notEnabled == JetStreamAPIError(code: 503, errorCode: 10076, description: "JetStream not enabled"))
        #expect(JetStreamAPIError.consumerHBRequiresPush.errorCode == 10088)
        #expect(JetStreamAPIError.consumerMaxRequestExpiresToSmall.errorCode == 10115)
        // Interim names kept for existing call sites.
        #expect(JetStreamAPIError.consumerHeartbeatRequiresPush == .consumerHBRequiresPush)
        #expect(JetStreamAPIError.consumerWorkQueueNotUnique == .consumerWQConsumerNotUnique)
    }

    @Test("templates are substituted like Go's strings.NewReplacer")
    func templates() {
        // {err}-only entries carry the wrapped text with the entry's code and err_code.
        #expect(
            JetStreamAPIError.streamCreate("subjects overlap")
                == JetStreamAPIError(code: 500, errorCode: 10049, description: "subjects overlap"))
        #expect(JetStreamAPIError.streamStoreFailed("disk gone").code == 503)
        #expect(JetStreamAPIError.streamWrongLastSequence(3).description == "wrong last sequence: 3")
        #expect(JetStreamAPIError.streamWrongLastMsgID("abc").description == "wrong last msg ID: abc")
        #expect(JetStreamAPIError.sequenceNotFound(18_446_744_073_709_551_615).description == "sequence 18446744073709551615 not found")
        #expect(
            JetStreamAPIError.consumerDescriptionTooLong(4096).description == "consumer description is too long, maximum allowed is 4096")
        #expect(
            JetStreamAPIError.streamExternalDelPrefixOverlaps(prefix: "p.>", subject: "p.a").description
                == "stream external delivery prefix p.> overlaps with stream subject p.a")
        #expect(
            JetStreamAPIError.restoreSubscribeFailed(error: "boom", subject: "$JS.SNAPSHOT.RESTORE.S").description
                == "JetStream unable to subscribe to restore snapshot $JS.SNAPSHOT.RESTORE.S: boom")
        // One pass: a tag inside substituted text stays as it is.
        #expect(
            JetStreamAPIError.restoreSubscribeFailed(error: "{subject}", subject: "x").description
                == "JetStream unable to subscribe to restore snapshot x: {subject}")
        #expect(JetStreamAPIError.streamGeneralError("{a} {").description == "{a} {")
    }

    @Test("unless keeps an API error and wraps anything else")
    func unless() {
        struct Plain: Error, CustomStringConvertible { var description: String { "plain failure" } }
        #expect(JetStreamAPIError.unless(JetStreamAPIError.streamSealed, else: JetStreamAPIError.streamCreate) == .streamSealed)
        #expect(
            JetStreamAPIError.unless(Plain(), else: JetStreamAPIError.streamCreate)
                == JetStreamAPIError(code: 500, errorCode: 10049, description: "plain failure"))
        #expect(JetStreamAPIError.streamWrongLastSequence(1).isSameKind(as: .streamWrongLastSequence(2)))
    }

    @Test("goJSON is Go's bytes: code, err_code, description; omitempty; \\u003e escapes")
    func goJSON() {
        #expect(
            JetStreamAPIError.streamNameExist.goJSON
                == #"{"code":400,"err_code":10058,"description":"stream name already in use with a different configuration"}"#)
        #expect(JetStreamAPIError.streamNotFound.goJSON == #"{"code":404,"err_code":10059,"description":"stream not found"}"#)
        #expect(
            JetStreamAPIError.streamWrongLastSequence(2).goJSON == #"{"code":400,"err_code":10071,"description":"wrong last sequence: 2"}"#)
        #expect(
            JetStreamAPIError.consumerBadDurableName.goJSON
                == #"{"code":400,"err_code":10103,"description":"durable name can not contain '.', '*', '\u003e'"}"#)
        #expect(
            JetStreamAPIError.restoreTempStorageFailed.goJSON
                == #"{"code":503,"description":"JetStream unable to create temp storage for restore"}"#)
        #expect(JetStreamAPIError(code: 400, description: "").goJSON == #"{"code":400}"#)
        #expect(JetStreamAPIError.goQuoted("a\"b\\c\n<&>\u{1}\u{2028}é") == #""a\"b\\c\n\u003c\u0026\u003e\u0001\u2028é""#)
    }

    /// Keys and values of a flat JSON object, as written by JSONEncoder.
    enum Scalar: Decodable, Equatable {
        case int(Int), string(String)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) { self = .int(int) } else { self = .string(try container.decode(String.self)) }
        }
    }

    @Test("JSONEncoder writes the same members (err_code and description omitted when empty)")
    func jsonEncoding() throws {
        func members(_ error: JetStreamAPIError) throws -> [String: Scalar] {
            try JSONDecoder().decode([String: Scalar].self, from: JSONEncoder().encode(error))
        }
        #expect(
            try members(.streamNameExist)
                == [
                    "code": .int(400), "err_code": .int(10058),
                    "description": .string("stream name already in use with a different configuration"),
                ])
        #expect(
            try members(.restoreTempStorageFailed)
                == ["code": .int(503), "description": .string("JetStream unable to create temp storage for restore")])
        #expect(try members(JetStreamAPIError(code: 400, description: "")) == ["code": .int(400)])
    }

    @Test("decodes nats-server replies, including Go's \\u003e escapes and a missing err_code")
    func jsonDecoding() throws {
        let decoder = JSONDecoder()
        let reply = #"{"code":400,"err_code":10103,"description":"durable name can not contain '.', '*', '\u003e'"}"#
        #expect(try decoder.decode(JetStreamAPIError.self, from: Data(reply.utf8)) == .consumerBadDurableName)
        let bare = #"{"code":503,"description":"JetStream unable to create temp storage for restore"}"#
        #expect(try decoder.decode(JetStreamAPIError.self, from: Data(bare.utf8)) == .restoreTempStorageFailed)
        let roundTrip = try decoder.decode(JetStreamAPIError.self, from: try JSONEncoder().encode(JetStreamAPIError.consumerCreate("x")))
        #expect(roundTrip == .consumerCreate("x"))
    }

    /// Every `error` that nats-server 2.9.10 sent in the captured fixtures (see
    /// Fixtures/reference-api-2.9.10.jsonl) is in the table with the same code; errors without
    /// template tags carry the table's text, and `goJSON` reproduces the bytes exactly.
    @Test("errors captured from nats-server 2.9.10 match the table and goJSON bytes")
    func capturedErrors() throws {
        struct Reply: Decodable {
            var error: JetStreamAPIError?
            init(from decoder: any Decoder) throws {
                enum Key: String, CodingKey { case error }
                error = try? decoder.container(keyedBy: Key.self).decodeIfPresent(JetStreamAPIError.self, forKey: .error)
            }
        }
        struct Line: Decodable {
            var name: String
            var reply: Reply?
            var raw: String?
        }
        let url = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Fixtures/reference-api-2.9.10.jsonl")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        var checked = 0
        for lineText in text.split(separator: "\n") {
            let line = try JSONDecoder().decode(Line.self, from: Data(lineText.utf8))
            guard let error = line.reply?.error else { continue }
            let entry = try #require(JetStreamAPIError.entry(errorCode: error.errorCode), "\(line.name)")
            #expect(entry.code == error.code, "\(line.name)")
            if !entry.template.contains("{") {
                #expect(JetStreamAPIError(entry) == error, "\(line.name)")
            }
            if let raw = line.raw {
                #expect(raw.contains("\"error\":" + error.goJSON), "\(line.name)")
            }
            checked += 1
        }
        #expect(checked > 100)
    }
}
