import Foundation
import JetStreamSQLite
import Testing

@testable import JetStream

/// Which batches the engine syncs, on the real SQLite store: only those whose replies tell
/// someone a write is stored.
@Suite("JetStream commit durability")
struct CommitDurabilityTests {
    @Test("PubAcks wait for a WAL sync; plain acks and delivery positions do not, and are kept")
    func syncsOnlyForPromises() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let storage = try SQLiteStorageEngine(directory: directory.path)
            let harness = try EngineHarness(fileStorage: storage)
            _ = harness.request("$JS.API.STREAM.CREATE.D", #"{"name":"D","subjects":["d"],"storage":"file"}"#)
            let created = harness.request("$JS.API.CONSUMER.CREATE.D.worker", #"{"stream_name":"D","config":{"durable_name":"worker","ack_policy":"explicit"}}"#)
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
}
