import Foundation
import JetStreamSQLite
import Testing

@testable import JetStream

/// A full disk, through the whole engine on the real SQLite store (capped with
/// `max_page_count`, which makes SQLite fail with SQLITE_FULL exactly as a full file system does).
@Suite("JetStream on a full disk")
struct DiskFullTests {
    @Test("publishers get a JetStream error, nothing acknowledged is lost, writes resume after a purge")
    func diskFull() throws {
        let directory = try makeTemporaryDirectory("full")
        defer { try? FileManager.default.removeItem(at: directory) }
        let storage = try SQLiteStorageEngine(directory: directory.path, maximumBytes: 80 * 4096)
        let harness = try EngineHarness(fileStorage: storage)
        let created = harness.request("$JS.API.STREAM.CREATE.FULL", #"{"name":"FULL","subjects":["full"],"storage":"file"}"#)
        #expect(created["error"] == nil, "\(created)")

        let payload = String(repeating: "x", count: 2000)
        var acknowledged: [Int] = []
        var failure: [String: Any]?
        for _ in 0..<500 {
            let inbox = harness.publish("full", payload)
            let reply = harness.transport.take().first { $0.destination == inbox }?.json ?? [:]
            if let sequence = reply["seq"] as? Int {
                acknowledged.append(sequence)
            } else {
                failure = reply["error"] as? [String: Any]
                break
            }
        }
        #expect(!acknowledged.isEmpty)
        #expect(failure?["err_code"] as? Int == 10047, "\(String(describing: failure))")
        #expect(failure?["description"] as? String == "insufficient storage resources available")

        // Every acknowledged message is there, the refused one is not.
        let info = harness.request("$JS.API.STREAM.INFO.FULL")
        let state = info["state"] as? [String: Any]
        #expect(state?["messages"] as? Int == acknowledged.count)
        #expect(state?["last_seq"] as? Int == acknowledged.last)
        let last = harness.request("$JS.API.STREAM.MSG.GET.FULL", #"{"seq":\#(acknowledged.last!)}"#)
        #expect((last["message"] as? [String: Any])?["data"] as? String == Data(payload.utf8).base64EncodedString())

        // Space freed: publishing works again and continues the sequence.
        let purged = harness.request("$JS.API.STREAM.PURGE.FULL")
        #expect(purged["success"] as? Bool == true, "\(purged)")
        let inbox = harness.publish("full", "small")
        let reply = harness.transport.take().first { $0.destination == inbox }?.json ?? [:]
        #expect(reply["seq"] as? Int == acknowledged.last! + 1, "\(reply)")
    }
}
