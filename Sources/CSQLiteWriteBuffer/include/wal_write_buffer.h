#ifndef OUTPOST_WAL_WRITE_BUFFER_H
#define OUTPOST_WAL_WRITE_BUFFER_H

#include <sqlite3.h>

/// A SQLite VFS that wraps the default one and gathers the writes SQLite makes to a WAL file into
/// one write per commit. SQLite writes every WAL frame as two calls (its 24-byte header, then the
/// page), so a commit of ten pages costs twenty system calls; here contiguous writes collect in a
/// buffer that goes to the file in one call when the connection's owner says the commit is over
/// (`outpost_wal_buffer_flush`), and before anything that must see the file as SQLite left it:
/// a read of the buffered range, a sync (so every checkpoint), a truncate, a size query, a file
/// control, a close. Other files (the database itself) pass straight through.
///
/// What this changes for durability: frames of a finished commit stay in this process's memory
/// until the flush, so the owner must flush before telling anyone the commit happened. A crash
/// before the flush loses that commit, as a crash just before it would have; recovery replays the
/// WAL up to its last complete, valid commit, as ever.

/// The VFS's name, registered on first use (not as the default VFS). Returns NULL if it could
/// not be registered.
const char *outpost_wal_buffer_vfs(void);

/// Writes out what the WAL of `db`'s main database holds back. SQLITE_OK when there was nothing
/// or it was written; an I/O error code otherwise, and from then on for good, also when the
/// failed write was one SQLite made itself (in a checkpoint, say): frames were lost to the file,
/// so treat the store as failed until it is reopened.
int outpost_wal_buffer_flush(sqlite3 *db);

/// Makes closing `db` leave its WAL as it is, without the checkpoint SQLite makes on closing the
/// last connection (after lost frames that checkpoint would copy pages the file does not hold).
void outpost_wal_buffer_close_without_checkpoint(sqlite3 *db);

/// Fault injection for tests: the next write of held-back frames fails as an I/O error would,
/// writing nothing.
void outpost_wal_buffer_fail_next_flush(sqlite3 *db);

/// Fault injection for tests: the next sync of the WAL fails as an fsync error would, syncing
/// nothing.
void outpost_wal_buffer_fail_next_sync(sqlite3 *db);

/// Counts for tests: writes SQLite asked of the WAL, writes made to the file, bytes held back.
/// Returns 0 when `db`'s WAL is not this VFS's.
int outpost_wal_buffer_counts(sqlite3 *db, sqlite3_int64 *requested, sqlite3_int64 *written, int *pending);

#endif
