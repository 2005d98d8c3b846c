import CSQLite
import Foundation
import Testing

/// A new, empty directory under the system's temporary directory; the test removes it.
func makeTemporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs SQL (one or more statements) on an open SQLite handle; the test fails with SQLite's
/// message if it does not succeed.
func execSQL(_ db: OpaquePointer?, _ sql: String) throws {
    let status = sqlite3_exec(db, sql, nil, nil, nil)
    try #require(status == SQLITE_OK, "\(sql): \(String(cString: sqlite3_errmsg(db)))")
}

/// Runs SQL on the database file at `path` through SQLite's own default VFS, as another
/// program (or an earlier Outpost) would have written it.
func execSQL(onFile path: String, _ sql: String) throws {
    var handle: OpaquePointer?
    try #require(sqlite3_open(path, &handle) == SQLITE_OK)
    defer { sqlite3_close(handle) }
    try execSQL(handle, sql)
}
