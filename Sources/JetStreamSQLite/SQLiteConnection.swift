import CSQLite
import JetStream

/// One SQLite connection with a cache of prepared statements.
///
/// `@unchecked Sendable`: the connection is used by exactly one thread at a time — the JetStream
/// engine's loop — which owns it for its whole life (as sqlite-nio's `SQLiteConnectionHandle`
/// is owned by its thread pool). SQLite itself is compiled thread-safe on Debian, so a mistake
/// would corrupt nothing, but the engine never lets two threads in.
final class SQLiteConnection: @unchecked Sendable {
    let path: String
    private(set) var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// - Parameter vfs: a registered SQLite VFS by name (`nil`: the default).
    init(path: String, vfs: UnsafePointer<CChar>? = nil) throws(StoreError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, vfs)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            throw StoreError(.io, "cannot open \(path): \(message)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { close() }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs SQL without results (schema, pragmas, transactions).
    func execute(_ sql: String) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &error)
        if status != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "error \(status)"
            sqlite3_free(error)
            throw mapError(status, message)
        }
    }

    /// A cached prepared statement for `sql`, reset and with its bindings cleared.
    func statement(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let cached = statements[sql] {
            sqlite3_reset(cached)
            sqlite3_clear_bindings(cached)
            return cached
        }
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw mapError(status, lastMessage) }
        statements[sql] = statement
        return statement
    }

    /// Finalizes the cached statement for `sql`, if any (its table is being dropped).
    func forgetStatement(_ sql: String) {
        if let statement = statements.removeValue(forKey: sql) { sqlite3_finalize(statement) }
    }

    /// Steps a statement that returns no rows.
    func run(_ statement: OpaquePointer) throws(StoreError) {
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        if status != SQLITE_DONE && status != SQLITE_ROW { throw mapError(status, lastMessage) }
    }

    /// Steps to the next row: `true` for a row, `false` when done.
    func step(_ statement: OpaquePointer) throws(StoreError) -> Bool {
        let status = sqlite3_step(statement)
        if status == SQLITE_ROW { return true }
        if status == SQLITE_DONE { return false }
        sqlite3_reset(statement)
        throw mapError(status, lastMessage)
    }

    var lastMessage: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }
    var changes: Int { Int(sqlite3_changes(handle)) }

    func mapError(_ status: Int32, _ message: String) -> StoreError {
        switch status & 0xFF {
        case SQLITE_FULL: return StoreError(.full, "\(path): disk full (\(message))")
        case SQLITE_CORRUPT, SQLITE_NOTADB: return StoreError(.corrupt, "\(path) is not a usable JetStream database: \(message)")
        case SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM: return StoreError(.io, "\(path): \(message)")
        default: return StoreError(.io, "\(path): \(message) (\(status))")
        }
    }

    // MARK: Binding and reading

    func bind(_ statement: OpaquePointer, _ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(statement, index, value)
    }

    func bind(_ statement: OpaquePointer, _ index: Int32, _ value: String) {
        sqlite3_bind_text(statement, index, value, -1, outpost_sqlite_transient())
    }

    /// Binds bytes (copied by SQLite), or NULL.
    func bind(_ statement: OpaquePointer, _ index: Int32, _ bytes: [UInt8]?) {
        guard let bytes else {
            sqlite3_bind_null(statement, index)
            return
        }
        bytes.withUnsafeBytes { buffer in
            // A zero-length blob still needs a non-null pointer to be a blob, not NULL.
            let pointer = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            sqlite3_bind_blob(statement, index, pointer, Int32(buffer.count), outpost_sqlite_transient())
        }
    }

    func int64(_ statement: OpaquePointer, _ column: Int32) -> Int64 {
        sqlite3_column_int64(statement, column)
    }

    func text(_ statement: OpaquePointer, _ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: pointer)
    }

    func bytes(_ statement: OpaquePointer, _ column: Int32) -> [UInt8]? {
        if sqlite3_column_type(statement, column) == SQLITE_NULL { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
