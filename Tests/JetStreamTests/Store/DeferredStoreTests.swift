import Foundation
import JetStreamSQLite
import Testing

@testable import JetStream

@Suite("Deferred SQLite store")
struct DeferredStoreTests {
    @Test("no database file until the first stream; then it opens at start and finds the stream")
    func opensOnDemand() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-deferred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        let database = url.appendingPathComponent("outpost.db").path

        let first = try DeferredSQLiteStorageEngine(directory: url.path, sync: .always)
        #expect(try first.openStreams().isEmpty)
        // A batch begun before anything exists (the engine begins one for every round of work).
        try first.beginBatch()
        try first.commitBatch()
        #expect(!first.isOpen)
        #expect(!FileManager.default.fileExists(atPath: database))

        try first.beginBatch()
        let store = try first.createStream(name: "S", configuration: Array("{}".utf8))
        try store.append(StoredMessage(sequence: 1, subject: "s", headers: nil, payload: Array("one".utf8), timestamp: 1))
        try first.commitBatch()
        #expect(first.isOpen)
        first.close()

        let second = try DeferredSQLiteStorageEngine(directory: url.path, sync: .always)
        #expect(second.isOpen)
        let streams = try second.openStreams()
        #expect(streams.count == 1)
        #expect(try streams.first?.store.message(sequence: 1)?.payload == Array("one".utf8))
        second.close()
    }
}
