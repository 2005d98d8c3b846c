import CSQLite
import JetStream
import Subjects

/// One stream's messages and consumers in the shared database.
///
/// Each stream has a table of its own, `messages_<id>`, keyed by the sequence as SQLite's
/// rowid: appending is a seek by one integer to the end of one B-tree, where a table shared
/// by all streams needs a composite key (measured with 128-byte messages: 30% less SQLite CPU
/// per insert at one message per commit, 26% at 64). Subjects are stored once per stream
/// (`subjects` table) and messages refer to them by a small integer: a message row is then
/// its sequence, a subject id, a timestamp and the bytes, which keeps a 128-byte message near
/// 170 bytes on disk. The id ↔ subject map is kept in memory.
final class SQLiteStreamStore: StreamStore, @unchecked Sendable {
    unowned let engine: SQLiteStorageEngine
    let id: Int64
    let name: String
    private let sql: Queries
    private var connection: SQLiteConnection { engine.connection }
    private var subjectIDs: [String: Int64] = [:]
    private var subjects: [Int64: String] = [:]
    private var nextSubjectID: Int64 = 1
    /// Subjects added in the open batch (forgotten again if it rolls back).
    private var subjectsAddedInBatch: [String] = []

    /// The table holding the messages of the stream with this id.
    static func messagesTable(_ streamID: Int64) -> String { "messages_\(streamID)" }

    /// Creates the stream's message table; its subject index comes apart (`createSubjectIndex`),
    /// so that a migration can fill the table first and build the index once, after.
    static func createMessagesTable(_ streamID: Int64, on connection: SQLiteConnection) throws(StoreError) {
        try connection.execute(
            "CREATE TABLE \(messagesTable(streamID))(seq INTEGER PRIMARY KEY, subject INTEGER NOT NULL, ts INTEGER NOT NULL, hdr BLOB, data BLOB NOT NULL)"
        )
    }

    /// The index behind next- and last-by-subject; its entries end with the rowid, the sequence.
    static func createSubjectIndex(_ streamID: Int64, on connection: SQLiteConnection) throws(StoreError) {
        let table = messagesTable(streamID)
        try connection.execute("CREATE INDEX \(table)_by_subject ON \(table)(subject)")
    }

    /// The statements of one stream, built once (the connection caches them by their text).
    private struct Queries {
        let insert, bySequence, nextBySubject, fromSequence, lastBySubject, page: String
        let sequencesOfSubject, sequencesAndSubjects, removeOne, removeBelow, summary: String

        init(table: String) {
            let columns = "seq, subject, ts, hdr, data"
            insert = "INSERT INTO \(table)(seq, subject, ts, hdr, data) VALUES (?, ?, ?, ?, ?)"
            bySequence = "SELECT \(columns) FROM \(table) WHERE seq=?"
            nextBySubject = "SELECT \(columns) FROM \(table) WHERE subject=? AND seq>=? ORDER BY seq LIMIT 1"
            fromSequence = "SELECT \(columns) FROM \(table) WHERE seq>=? ORDER BY seq"
            lastBySubject = "SELECT \(columns) FROM \(table) WHERE subject=? ORDER BY seq DESC LIMIT 1"
            page = "SELECT \(columns) FROM \(table) WHERE seq>=? ORDER BY seq LIMIT ?"
            sequencesOfSubject = "SELECT seq FROM \(table) WHERE subject=? AND seq<? ORDER BY seq"
            sequencesAndSubjects = "SELECT seq, subject FROM \(table) WHERE seq<? ORDER BY seq"
            removeOne = "DELETE FROM \(table) WHERE seq=?"
            removeBelow = "DELETE FROM \(table) WHERE seq<?"
            // One pass per subject: counts, bounds and bytes (as nats-server counts file storage).
            summary =
                "SELECT subject, count(*), min(seq), max(seq), sum(length(data)), sum(CASE WHEN hdr IS NULL OR length(hdr)=0 THEN 0 ELSE 4+length(hdr) END) FROM \(table) GROUP BY subject"
        }

        var all: [String] {
            [
                insert, bySequence, nextBySubject, fromSequence, lastBySubject, page, sequencesOfSubject, sequencesAndSubjects, removeOne,
                removeBelow, summary,
            ]
        }
    }

    /// Finalizes the cached statements on this stream's table (the stream is being deleted).
    func forgetStatements() {
        for text in sql.all { connection.forgetStatement(text) }
    }

    init(engine: SQLiteStorageEngine, id: Int64, name: String) throws(StoreError) {
        self.engine = engine
        self.id = id
        self.name = name
        sql = Queries(table: Self.messagesTable(id))
        let statement = try engine.connection.statement("SELECT id, subject FROM subjects WHERE stream=?")
        engine.connection.bind(statement, 1, id)
        while try engine.connection.step(statement) {
            let subjectID = engine.connection.int64(statement, 0)
            let subject = engine.connection.text(statement, 1)
            subjectIDs[subject] = subjectID
            subjects[subjectID] = subject
            nextSubjectID = max(nextSubjectID, subjectID + 1)
        }
    }

    func batchCommitted() {
        subjectsAddedInBatch.removeAll()
    }

    func batchRolledBack() {
        for subject in subjectsAddedInBatch {
            if let subjectID = subjectIDs.removeValue(forKey: subject) { subjects[subjectID] = nil }
        }
        subjectsAddedInBatch.removeAll()
        nextSubjectID = (subjects.keys.max() ?? 0) + 1
    }

    /// Writes happen only inside a batch. None is open when the store refuses batches (after a
    /// failed sync): the write fails with that reason, and the publisher hears it.
    private func requireBatch() throws(StoreError) {
        guard engine.isInBatch else {
            throw engine.syncFailure ?? StoreError(.io, "\(engine.connection.path): no storage batch is open")
        }
    }

    private func subjectID(for subject: String) throws(StoreError) -> Int64 {
        if let existing = subjectIDs[subject] { return existing }
        let subjectID = nextSubjectID
        let statement = try connection.statement("INSERT INTO subjects(stream, id, subject) VALUES (?, ?, ?)")
        connection.bind(statement, 1, id)
        connection.bind(statement, 2, subjectID)
        connection.bind(statement, 3, subject)
        try connection.run(statement)
        nextSubjectID += 1
        subjectIDs[subject] = subjectID
        subjects[subjectID] = subject
        subjectsAddedInBatch.append(subject)
        return subjectID
    }

    func append(_ message: StoredMessage) throws(StoreError) {
        try requireBatch()
        engine.messagesAppendedInBatch = true
        let subjectID = try subjectID(for: message.subject)
        let statement = try connection.statement(sql.insert)
        connection.bind(statement, 1, Int64(bitPattern: message.sequence))
        connection.bind(statement, 2, subjectID)
        connection.bind(statement, 3, message.timestamp)
        connection.bind(statement, 4, message.headers)
        connection.bind(statement, 5, message.payload)
        try connection.run(statement)
    }

    /// Reads the current row of a `SELECT seq, subject, ts, hdr, data` statement.
    private func row(_ statement: OpaquePointer) -> StoredMessage {
        StoredMessage(
            sequence: UInt64(bitPattern: connection.int64(statement, 0)),
            subject: subjects[connection.int64(statement, 1)] ?? "",
            headers: connection.bytes(statement, 3),
            payload: connection.bytes(statement, 4) ?? [],
            timestamp: connection.int64(statement, 2)
        )
    }

    func message(sequence: UInt64) throws(StoreError) -> StoredMessage? {
        let statement = try connection.statement(sql.bySequence)
        connection.bind(statement, 1, Int64(bitPattern: sequence))
        defer { sqlite3_reset(statement) }
        return try connection.step(statement) ? row(statement) : nil
    }

    func nextMessage(from sequence: UInt64, matching filter: String?) throws(StoreError) -> StoredMessage? {
        let start = Int64(bitPattern: max(sequence, 1))
        if let filter, !SubjectValidation.hasWildcard(filter) {
            // A literal subject: straight down its index.
            guard let subjectID = subjectIDs[filter] else { return nil }
            let statement = try connection.statement(sql.nextBySubject)
            connection.bind(statement, 1, subjectID)
            connection.bind(statement, 2, start)
            defer { sqlite3_reset(statement) }
            return try connection.step(statement) ? row(statement) : nil
        }
        let statement = try connection.statement(sql.fromSequence)
        connection.bind(statement, 1, start)
        defer { sqlite3_reset(statement) }
        let matchingIDs = filter.map { pattern in Set(subjects.filter { SubjectPattern.matches(pattern: pattern, subject: $0.value) }.keys)
        }
        if let matchingIDs, matchingIDs.isEmpty { return nil }
        while try connection.step(statement) {
            if let matchingIDs, !matchingIDs.contains(connection.int64(statement, 1)) { continue }
            return row(statement)
        }
        return nil
    }

    func lastMessage(subject: String) throws(StoreError) -> StoredMessage? {
        guard let subjectID = subjectIDs[subject] else { return nil }
        let statement = try connection.statement(sql.lastBySubject)
        connection.bind(statement, 1, subjectID)
        defer { sqlite3_reset(statement) }
        return try connection.step(statement) ? row(statement) : nil
    }

    func messages(from sequence: UInt64, limit: Int) throws(StoreError) -> [StoredMessage] {
        let statement = try connection.statement(sql.page)
        connection.bind(statement, 1, Int64(bitPattern: max(sequence, 1)))
        connection.bind(statement, 2, Int64(limit))
        defer { sqlite3_reset(statement) }
        var result: [StoredMessage] = []
        while try connection.step(statement) { result.append(row(statement)) }
        return result
    }

    func sequences(matching filter: String?, below sequence: UInt64?) throws(StoreError) -> [UInt64] {
        let bound = Int64(bitPattern: min(sequence ?? UInt64(Int64.max), UInt64(Int64.max)))
        var result: [UInt64] = []
        if let filter, !SubjectValidation.hasWildcard(filter) {
            guard let subjectID = subjectIDs[filter] else { return [] }
            let statement = try connection.statement(sql.sequencesOfSubject)
            connection.bind(statement, 1, subjectID)
            connection.bind(statement, 2, bound)
            defer { sqlite3_reset(statement) }
            while try connection.step(statement) { result.append(UInt64(bitPattern: connection.int64(statement, 0))) }
            return result
        }
        let statement = try connection.statement(sql.sequencesAndSubjects)
        connection.bind(statement, 1, bound)
        defer { sqlite3_reset(statement) }
        let matchingIDs = filter.map { pattern in Set(subjects.filter { SubjectPattern.matches(pattern: pattern, subject: $0.value) }.keys)
        }
        while try connection.step(statement) {
            if let matchingIDs, !matchingIDs.contains(connection.int64(statement, 1)) { continue }
            result.append(UInt64(bitPattern: connection.int64(statement, 0)))
        }
        return result
    }

    @discardableResult
    func remove(sequence: UInt64) throws(StoreError) -> Bool {
        try requireBatch()
        let statement = try connection.statement(sql.removeOne)
        connection.bind(statement, 1, Int64(bitPattern: sequence))
        try connection.run(statement)
        return connection.changes > 0
    }

    @discardableResult
    func removeAll(below sequence: UInt64) throws(StoreError) -> Int {
        try requireBatch()
        let statement = try connection.statement(sql.removeBelow)
        connection.bind(statement, 1, Int64(bitPattern: min(sequence, UInt64(Int64.max))))
        try connection.run(statement)
        return connection.changes
    }

    func scan() throws(StoreError) -> StreamStoreSummary {
        var summary = StreamStoreSummary()
        let statement = try connection.statement(sql.summary)
        while try connection.step(statement) {
            guard let subject = subjects[connection.int64(statement, 0)] else { continue }
            let count = UInt64(connection.int64(statement, 1))
            let first = UInt64(bitPattern: connection.int64(statement, 2))
            let last = UInt64(bitPattern: connection.int64(statement, 3))
            let bytes = UInt64(connection.int64(statement, 4) + connection.int64(statement, 5)) + count * UInt64(30 + subject.utf8.count)
            summary.messages += count
            summary.bytes += bytes
            summary.subjects[subject] = .init(messages: count, firstSequence: first, lastSequence: last)
            if summary.firstSequence == 0 || first < summary.firstSequence { summary.firstSequence = first }
            summary.lastSequence = max(summary.lastSequence, last)
        }
        sqlite3_reset(statement)
        if summary.messages > 0 {
            summary.firstTimestamp = try message(sequence: summary.firstSequence)?.timestamp ?? 0
            summary.lastTimestamp = try message(sequence: summary.lastSequence)?.timestamp ?? 0
        }
        return summary
    }

    func saveConfiguration(_ configuration: [UInt8]) throws(StoreError) {
        let statement = try connection.statement("UPDATE streams SET config=? WHERE id=?")
        connection.bind(statement, 1, configuration)
        connection.bind(statement, 2, id)
        try connection.run(statement)
    }

    func saveConsumer(name: String, configuration: [UInt8], state: [UInt8]) throws(StoreError) {
        let statement = try connection.statement("INSERT OR REPLACE INTO consumers(stream, name, config, state) VALUES (?, ?, ?, ?)")
        connection.bind(statement, 1, id)
        connection.bind(statement, 2, name)
        connection.bind(statement, 3, configuration)
        connection.bind(statement, 4, state)
        try connection.run(statement)
    }

    func saveConsumerState(name: String, state: [UInt8]) throws(StoreError) {
        let statement = try connection.statement("UPDATE consumers SET state=? WHERE stream=? AND name=?")
        connection.bind(statement, 1, state)
        connection.bind(statement, 2, id)
        connection.bind(statement, 3, name)
        try connection.run(statement)
    }

    func deleteConsumer(name: String) throws(StoreError) {
        let statement = try connection.statement("DELETE FROM consumers WHERE stream=? AND name=?")
        connection.bind(statement, 1, id)
        connection.bind(statement, 2, name)
        try connection.run(statement)
    }

    func consumers() throws(StoreError) -> [StoredConsumer] {
        let statement = try connection.statement("SELECT name, config, state FROM consumers WHERE stream=? ORDER BY name")
        connection.bind(statement, 1, id)
        defer { sqlite3_reset(statement) }
        var result: [StoredConsumer] = []
        while try connection.step(statement) {
            result.append(
                StoredConsumer(
                    name: connection.text(statement, 0), configuration: connection.bytes(statement, 1) ?? [],
                    state: connection.bytes(statement, 2) ?? []))
        }
        return result
    }
}
