import CSQLiteWriteBuffer
import Foundation
import Testing

@testable import JetStream
@testable import JetStreamSQLite

/// Which batches the engine syncs, on the real SQLite store: only those whose replies tell
/// someone a write is stored.
@Suite("JetStream commit durability")
struct CommitDurabilityTests {
    @Test("PubAcks wait for a WAL sync; plain acks and delivery positions do not, and are kept")
    func syncsOnlyForPromises() throws {
        let directory = try makeTemporaryDirectory("durability")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let storage = try SQLiteStorageEngine(directory: directory.path)
            let harness = try EngineHarness(fileStorage: storage)
            _ = harness.request("$JS.API.STREAM.CREATE.D", #"{"name":"D","subjects":["d"],"storage":"file"}"#)
            let created = harness.request(
                "$JS.API.CONSUMER.CREATE.D.worker", #"{"stream_name":"D","config":{"durable_name":"worker","ack_policy":"explicit"}}"#)
            #expect(created["name"] as? String == "worker", "\(created)")
            let beforePublishing = storage.logSyncs
            for index in 1...4 {
                let inbox = harness.publish("d", "m\(index)")
                #expect(harness.transport.take().first { $0.destination == inbox }?.json["seq"] as? Int == index)
            }
            // One batch per publish here (the test loop runs each to completion): one sync each.
            #expect(storage.logSyncs == beforePublishing + 4)
            // A publish without a reply is synced too (its sequence must never be reused).
            harness.publish("d", "m5", reply: "")
            #expect(storage.logSyncs == beforePublishing + 5)

            let beforePulling = storage.logSyncs
            harness.publish("$JS.API.CONSUMER.MSG.NEXT.D.worker", #"{"batch":4}"#, reply: "_INBOX.pull")
            let delivered = harness.transport.take().filter { $0.destination == "_INBOX.pull" }
            #expect(delivered.map(\.text) == ["m1", "m2", "m3", "m4"])
            _ = harness.transport.take()
            for message in delivered.prefix(3) { harness.publish(message.reply!, "+ACK", reply: "") }
            #expect(storage.logSyncs == beforePulling, "plain acks and delivery positions must not sync")

            // A double ack's reply is a promise: that batch syncs.
            let doubleAck = harness.publish(delivered[3].reply!, "+ACK", reply: "_INBOX.ack")
            #expect(harness.transport.take().contains { $0.destination == doubleAck })
            #expect(storage.logSyncs == beforePulling + 1)
            harness.engine.shutDown().whenComplete { _ in }
            harness.loop.run()
        }
        // Everything committed, synced or not, is there after a reopen (a crash of the process
        // would keep it too: it is in the operating system's cache).
        let storage = try SQLiteStorageEngine(directory: directory.path)
        let harness = try EngineHarness(fileStorage: storage)
        let info = harness.request("$JS.API.CONSUMER.INFO.D.worker")
        #expect((info["ack_floor"] as? [String: Any])?["stream_seq"] as? Int == 4, "\(info)")
        #expect(info["num_ack_pending"] as? Int == 0)
        #expect(info["num_pending"] as? Int == 1)
    }

    @Test("a failed WAL sync: the PubAck waiting for it is an error, and every publish after it gets an error, not a crash")
    func failedSyncRefusesWrites() throws {
        let directory = try makeTemporaryDirectory("failed-sync")
        defer { try? FileManager.default.removeItem(at: directory) }
        let storage = try SQLiteStorageEngine(directory: directory.path)
        let harness = try EngineHarness(fileStorage: storage)
        _ = harness.request("$JS.API.STREAM.CREATE.D", #"{"name":"D","subjects":["d"],"storage":"file"}"#)
        let kept = harness.publish("d", "kept")
        #expect(harness.transport.take().first { $0.destination == kept }?.json["seq"] as? Int == 1)

        outpost_wal_buffer_fail_next_sync(storage.connection.handle)
        let unsynced = harness.publish("d", "unsynced")
        let failed = harness.transport.take().first { $0.destination == unsynced }
        #expect((failed?.json["error"] as? [String: Any])?["err_code"] as? Int == 10047, "\(failed?.text ?? "no reply")")
        // Linux may drop unwritten pages after a failed fsync: nothing written from here on
        // could be promised, so the store takes no more writes (until a restart).
        for index in 1...3 {
            let refused = harness.publish("d", "refused \(index)")
            let answer = harness.transport.take().first { $0.destination == refused }
            let error = answer?.json["error"] as? [String: Any]
            #expect(error?["err_code"] as? Int == 10077, "\(answer?.text ?? "no reply")")
            #expect((error?["description"] as? String)?.contains("takes no more writes until a restart") == true)
        }
        // Reads still work.
        let info = harness.request("$JS.API.STREAM.INFO.D")
        #expect((info["state"] as? [String: Any])?["last_seq"] as? Int == 2, "\(info)")
        harness.engine.shutDown().whenComplete { _ in }
        harness.loop.run()
    }
}
