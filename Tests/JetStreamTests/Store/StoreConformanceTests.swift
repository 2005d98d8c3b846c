import Foundation
import Testing

@testable import JetStream
@testable import JetStreamSQLite

/// The same expectations for every storage engine (nats-server `store_test.go`'s
/// `testAllStoreAllPermutations` idea): memory and SQLite must answer alike.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh engine (and, for SQLite, the directory holding it).
    func make() throws -> (engine: any StorageEngine, directory: URL?) {
        switch self {
        case .memory:
            return (MemoryStorageEngine(), nil)
        case .sqlite:
            let directory = try makeTemporaryDirectory("store")
            return (try SQLiteStorageEngine(directory: directory.path), directory)
        }
    }
}

private func message(_ sequence: UInt64, _ subject: String, _ payload: String = "x", headers: String? = nil) -> StoredMessage {
    StoredMessage(
        sequence: sequence, subject: subject, headers: headers.map { Array($0.utf8) }, payload: Array(payload.utf8),
        timestamp: 1_000_000 + Int64(sequence))
}

/// Runs `body` with a stream store inside a batch that is committed afterwards.
private func withStore(_ kind: StoreKind, _ body: (any StorageEngine, any StreamStore) throws -> Void) throws {
    let (engine, directory) = try kind.make()
    defer {
        engine.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
    let store = try engine.createStream(name: "S", configuration: Array("{}".utf8))
    try engine.beginBatch()
    try body(engine, store)
    try engine.commitBatch()
}

@Suite("Stream store conformance")
struct StoreConformanceTests {
    @Test("append, load, next with literal and wildcard filters, last by subject", arguments: StoreKind.allCases)
    func appendAndLoad(kind: StoreKind) throws {
        try withStore(kind) { _, store in
            let subjects = ["a.1", "b.1", "a.2", "a.1", "c"]
            for (index, subject) in subjects.enumerated() { try store.append(message(UInt64(index + 1), subject, "m\(index + 1)")) }
            #expect(try store.message(sequence: 3)?.subject == "a.2")
            #expect(try store.message(sequence: 3)?.payload == Array("m3".utf8))
            #expect(try store.message(sequence: 9) == nil)
            #expect(try store.nextMessage(from: 2, matching: "a.1")?.sequence == 4)
            #expect(try store.nextMessage(from: 1, matching: "a.*")?.sequence == 1)
            #expect(try store.nextMessage(from: 2, matching: "a.*")?.sequence == 3)
            #expect(try store.nextMessage(from: 1, matching: ">")?.sequence == 1)
            #expect(try store.nextMessage(from: 5, matching: "a.>") == nil)
            #expect(try store.nextMessage(from: 2, matching: nil)?.sequence == 2)
            #expect(try store.nextMessage(from: 1, matching: "zzz") == nil)
            #expect(try store.lastMessage(subject: "a.1")?.sequence == 4)
            #expect(try store.lastMessage(subject: "none") == nil)
            #expect(try store.messages(from: 2, limit: 2).map(\.sequence) == [2, 3])
            #expect(try store.sequences(matching: "a.*", below: nil) == [1, 3, 4])
            #expect(try store.sequences(matching: nil, below: 3) == [1, 2])
            #expect(try store.sequences(matching: "a.1", below: 4) == [1])
        }
    }

    @Test("headers, empty payloads and binary bytes round-trip", arguments: StoreKind.allCases)
    func content(kind: StoreKind) throws {
        try withStore(kind) { _, store in
            try store.append(message(1, "h", "body", headers: "NATS/1.0\r\nA: b\r\n\r\n"))
            try store.append(StoredMessage(sequence: 2, subject: "e", headers: nil, payload: [], timestamp: 5))
            let binary = (0..<256).map { UInt8($0) }
            try store.append(StoredMessage(sequence: 3, subject: "b", headers: nil, payload: binary, timestamp: 6))
            #expect(try store.message(sequence: 1)?.headers == Array("NATS/1.0\r\nA: b\r\n\r\n".utf8))
            #expect(try store.message(sequence: 2)?.payload == [])
            #expect(try store.message(sequence: 2)?.headers == nil)
            #expect(try store.message(sequence: 3)?.payload == binary)
            #expect(try store.message(sequence: 3)?.timestamp == 6)
        }
    }

    @Test("removes, gaps, removeAll(below:) and the scan summary", arguments: StoreKind.allCases)
    func removeAndScan(kind: StoreKind) throws {
        try withStore(kind) { _, store in
            for sequence in 1...10 { try store.append(message(UInt64(sequence), sequence % 2 == 0 ? "even" : "odd")) }
            #expect(try store.remove(sequence: 4))
            #expect(try !store.remove(sequence: 4))
            #expect(try store.removeAll(below: 3) == 2)
            #expect(try store.message(sequence: 2) == nil)
            #expect(try store.nextMessage(from: 1, matching: nil)?.sequence == 3)
            let summary = try store.scan()
            #expect(summary.messages == 7)
            #expect(summary.firstSequence == 3)
            #expect(summary.lastSequence == 10)
            #expect(summary.firstTimestamp == 1_000_003)
            #expect(summary.lastTimestamp == 1_000_010)
            #expect(summary.subjects["even"] == .init(messages: 3, firstSequence: 6, lastSequence: 10))
            #expect(summary.subjects["odd"] == .init(messages: 4, firstSequence: 3, lastSequence: 9))
        }
    }

    @Test("consumer records and configuration", arguments: StoreKind.allCases)
    func consumers(kind: StoreKind) throws {
        try withStore(kind) { _, store in
            try store.saveConsumer(name: "c1", configuration: [1], state: [2])
            try store.saveConsumer(name: "c2", configuration: [3], state: [4])
            try store.saveConsumerState(name: "c1", state: [9, 9])
            try store.deleteConsumer(name: "c2")
            #expect(try store.consumers() == [StoredConsumer(name: "c1", configuration: [1], state: [9, 9])])
            try store.saveConfiguration(Array("{\"x\":1}".utf8))
        }
    }

    @Test("several streams stay apart; deleting one leaves the others", arguments: StoreKind.allCases)
    func manyStreams(kind: StoreKind) throws {
        let (engine, directory) = try kind.make()
        defer {
            engine.close()
            if let directory { try? FileManager.default.removeItem(at: directory) }
        }
        let first = try engine.createStream(name: "A", configuration: [])
        let second = try engine.createStream(name: "B", configuration: [])
        #expect(throws: StoreError.self) { _ = try engine.createStream(name: "A", configuration: []) }
        try engine.beginBatch()
        try first.append(message(1, "same"))
        try second.append(message(1, "same", "other"))
        try engine.commitBatch()
        #expect(try second.message(sequence: 1)?.payload == Array("other".utf8))
        try engine.deleteStream(name: "B")
        #expect(try first.message(sequence: 1) != nil)
    }
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    private func directory() throws -> URL { try makeTemporaryDirectory("sqlite") }

    @Test("stored messages and promises sync the WAL; best-effort state and empty promises do not; all is kept")
    func commitDurability() throws {
        let url = try directory()
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            let engine = try SQLiteStorageEngine(directory: url.path)
            let store = try engine.createStream(name: "D", configuration: [])
            let afterCreate = engine.logSyncs
            #expect(afterCreate == 1)
            try engine.beginBatch()
            try store.append(message(1, "d"))
            try engine.commitBatch(durability: .promised)
            #expect(engine.logSyncs == afterCreate + 1)
            // Consumer state nobody waits for: not synced...
            try engine.beginBatch()
            try store.saveConsumer(name: "c", configuration: [1], state: [7])
            try engine.commitBatch(durability: .bestEffort)
            #expect(engine.logSyncs == afterCreate + 1)
            // ...until a promise that may vouch for it (a double ack's reply) comes.
            try engine.beginBatch()
            try engine.commitBatch(durability: .promised)
            #expect(engine.logSyncs == afterCreate + 2)
            // Nothing written since: nothing to sync.
            try engine.beginBatch()
            try engine.commitBatch(durability: .promised)
            #expect(engine.logSyncs == afterCreate + 2)
            // A stored message is synced even when nobody is told (a publish without a reply):
            // its sequence must never be handed out twice.
            try engine.beginBatch()
            try store.append(message(2, "d"))
            try engine.commitBatch(durability: .bestEffort)
            #expect(engine.logSyncs == afterCreate + 3)
            engine.close()
        }
        let engine = try SQLiteStorageEngine(directory: url.path)
        defer { engine.close() }
        let store = try #require(try engine.openStreams().first?.store)
        #expect(try store.scan().messages == 2)
        #expect(try store.consumers().first?.state == [7])
    }

    @Test("with a relaxed sync policy no commit syncs the WAL")
    func relaxedCommitsDoNotSync() throws {
        let url = try directory()
        defer { try? FileManager.default.removeItem(at: url) }
        let engine = try SQLiteStorageEngine(directory: url.path, sync: .interval(.seconds(120)))
        defer { engine.close() }
        let store = try engine.createStream(name: "R", configuration: [])
        try engine.beginBatch()
        try store.append(message(1, "r"))
        try engine.commitBatch(durability: .promised)
        #expect(engine.logSyncs == 0)
    }

    @Test("reopening restores streams, messages, subjects and consumers")
    func reopen() throws {
        let url = try directory()
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            let engine = try SQLiteStorageEngine(directory: url.path)
            let store = try engine.createStream(name: "R", configuration: Array("cfg".utf8))
            try engine.beginBatch()
            for sequence in 1...100 { try store.append(message(UInt64(sequence), "r.\(sequence % 3)")) }
            try store.saveConsumer(name: "c", configuration: [1], state: [2])
            try engine.commitBatch()
            engine.close()
        }
        let engine = try SQLiteStorageEngine(directory: url.path)
        defer { engine.close() }
        let opened = try engine.openStreams()
        #expect(opened.count == 1)
        #expect(opened[0].configuration == Array("cfg".utf8))
        let store = opened[0].store
        #expect(try store.scan().messages == 100)
        #expect(try store.lastMessage(subject: "r.1")?.sequence == 100)
        #expect(try store.consumers().first?.state == [2])
        // New subjects after reopening get ids that do not collide.
        try engine.beginBatch()
        try store.append(message(101, "new.subject"))
        try engine.commitBatch()
        #expect(try store.nextMessage(from: 1, matching: "new.subject")?.sequence == 101)
        #expect(try store.nextMessage(from: 1, matching: "r.1")?.sequence == 1)
    }

    @Test("a rolled-back batch leaves nothing, not even its new subjects")
    func rollback() throws {
        let url = try directory()
        defer { try? FileManager.default.removeItem(at: url) }
        let engine = try SQLiteStorageEngine(directory: url.path)
        defer { engine.close() }
        let store = try engine.createStream(name: "T", configuration: [])
        try engine.beginBatch()
        try store.append(message(1, "kept"))
        try engine.commitBatch()
        try engine.beginBatch()
        try store.append(message(2, "dropped"))
        engine.rollbackBatch()
        #expect(try store.message(sequence: 2) == nil)
        #expect(try store.scan().messages == 1)
        try engine.beginBatch()
        try store.append(message(2, "other"))
        try engine.commitBatch()
        #expect(try store.lastMessage(subject: "other")?.sequence == 2)
    }

    @Test("a full disk fails the commit with .full; what was committed stays; writes work again after removes")
    func diskFull() throws {
        let url = try directory()
        defer { try? FileManager.default.removeItem(at: url) }
        let engine = try SQLiteStorageEngine(directory: url.path, maximumBytes: 60 * 4096)
        defer { engine.close() }
        let store = try engine.createStream(name: "F", configuration: [])
        var committed: UInt64 = 0
        var failure: StoreError?
        let payload = String(repeating: "p", count: 1000)
        for batch in 0..<100 {
            do {
                try engine.beginBatch()
                for index in 0..<10 {
                    try store.append(message(UInt64(batch * 10 + index + 1), "f", payload))
                }
                try engine.commitBatch()
                committed = UInt64(batch * 10 + 10)
            } catch {
                failure = error
                engine.rollbackBatch()
                break
            }
        }
        #expect(failure?.code == .full)
        #expect(committed > 0)
        #expect(try store.scan().messages == committed)
        #expect(try store.message(sequence: committed)?.payload == Array(payload.utf8))
        try engine.beginBatch()
        _ = try store.removeAll(below: committed)
        try engine.commitBatch()
        try engine.beginBatch()
        try store.append(message(committed + 1, "f", "small"))
        try engine.commitBatch()
        #expect(try store.message(sequence: committed + 1) != nil)
    }

    @Test("a file that is not a database is refused with a clear error")
    func corrupt() throws {
        let url = try directory()
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(repeating: 0x42, count: 8192).write(to: url.appendingPathComponent("outpost.db"))
        #expect {
            _ = try SQLiteStorageEngine(directory: url.path)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .corrupt && error.message.contains("outpost.db")
        }
    }
}
