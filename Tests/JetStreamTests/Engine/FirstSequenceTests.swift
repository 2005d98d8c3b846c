import Foundation
import JetStreamSQLite
import Testing

@testable import JetStream

/// `first_seq` (nats-server 2.10): a stream numbers its first message so, keeps that across a
/// restart, and an update does not move it. nats-server 2.9 ignores the field, so this runs on
/// the engine alone.
@Suite("JetStream first_seq")
struct FirstSequenceTests {
    @Test("a stream created with first_seq 1000 stores from 1000, also after a restart")
    func firstSequence() throws {
        let directory = try makeTemporaryDirectory("firstseq")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let harness = try EngineHarness(fileStorage: try SQLiteStorageEngine(directory: directory.path))
            let created = harness.request("$JS.API.STREAM.CREATE.F", #"{"name":"F","subjects":["f"],"first_seq":1000}"#)
            #expect((created["config"] as? [String: Any])?["first_seq"] as? Int == 1000, "\(created)")
            let empty = created["state"] as? [String: Any]
            #expect(empty?["first_seq"] as? Int == 1000 && empty?["last_seq"] as? Int == 999, "\(created)")
            #expect(empty?["last_ts"] as? String == "0001-01-01T00:00:00Z", "\(created)")
            let inbox = harness.publish("f", "one")
            #expect(harness.transport.take().first { $0.destination == inbox }?.json["seq"] as? Int == 1000)
            let mirror = harness.request("$JS.API.STREAM.CREATE.M", #"{"name":"M","mirror":{"name":"F"},"first_seq":5}"#)
            #expect((mirror["error"] as? [String: Any])?["err_code"] as? Int == 10143, "\(mirror)")
            harness.engine.shutDown().whenComplete { _ in }
            harness.loop.run()
        }
        let harness = try EngineHarness(fileStorage: try SQLiteStorageEngine(directory: directory.path))
        let inbox = harness.publish("f", "two")
        #expect(harness.transport.take().first { $0.destination == inbox }?.json["seq"] as? Int == 1001)
        let updated = harness.request("$JS.API.STREAM.UPDATE.F", #"{"name":"F","subjects":["f","g"],"first_seq":1}"#)
        #expect((updated["config"] as? [String: Any])?["first_seq"] as? Int == 1000, "\(updated)")
        let state = harness.request("$JS.API.STREAM.INFO.F")["state"] as? [String: Any]
        #expect(state?["first_seq"] as? Int == 1000 && state?["last_seq"] as? Int == 1001, "\(String(describing: state))")
    }
}
