// The system SQLite (Debian: libsqlite3-dev), used through its C API.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro Swift cannot import: tell SQLite to copy bound bytes.
static inline void (*outpost_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
