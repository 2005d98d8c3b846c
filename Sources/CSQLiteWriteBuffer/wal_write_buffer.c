#include "wal_write_buffer.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

/* SQLite's unix VFS writes at most 0x1ffff bytes in one call (seekAndWriteFd masks the count). */
#define BUFFER_CAPACITY (120 * 1024)
#define ROUND8(n) (((n) + 7) & ~(size_t)7)

typedef struct {
    sqlite3_file base;     /* methods: ours */
    sqlite3_file *real;    /* the default VFS's file, in the same allocation */
    int isWal;
    unsigned char *buffer;
    sqlite3_int64 start;   /* file offset of buffer[0] */
    int length;
    sqlite3_int64 requested;
    sqlite3_int64 written;
    /* The first failed write of held-back frames, kept: SQLite may have met it in a place that
       does not report it (an automatic checkpoint after a commit), and the owner must hear. */
    int failure;
    int failNextFlush;     /* fault injection for tests */
    int failNextSync;
} BufferedFile;

static sqlite3_vfs *parent;
static sqlite3_vfs vfs;
static const char *registered;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int flush(BufferedFile *file) {
    if (file->length == 0) return SQLITE_OK;
    int length = file->length;
    file->length = 0;
    file->written++;
    int rc = file->failNextFlush ? SQLITE_IOERR_WRITE : file->real->pMethods->xWrite(file->real, file->buffer, length, file->start);
    file->failNextFlush = 0;
    if (rc != SQLITE_OK && file->failure == SQLITE_OK) file->failure = rc;
    return rc;
}

static int bufferedClose(sqlite3_file *f) {
    BufferedFile *file = (BufferedFile *)f;
    int rc = flush(file);
    int closed = file->real->pMethods->xClose(file->real);
    sqlite3_free(file->buffer);
    file->buffer = NULL;
    return rc != SQLITE_OK ? rc : closed;
}

static int bufferedRead(sqlite3_file *f, void *out, int amount, sqlite3_int64 offset) {
    BufferedFile *file = (BufferedFile *)f;
    if (file->length > 0 && offset < file->start + file->length && offset + amount > file->start) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xRead(file->real, out, amount, offset);
}

static int bufferedWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = (BufferedFile *)f;
    if (!file->isWal) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    file->requested++;
    if (file->length > 0 && (offset != file->start + file->length || file->length + amount > BUFFER_CAPACITY)) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (amount > BUFFER_CAPACITY) {
        file->written++;
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    if (file->buffer == NULL) {
        file->buffer = sqlite3_malloc(BUFFER_CAPACITY);
        if (file->buffer == NULL) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    if (file->length == 0) file->start = offset;
    memcpy(file->buffer + file->length, data, (size_t)amount);
    file->length += amount;
    return SQLITE_OK;
}

static int bufferedTruncate(sqlite3_file *f, sqlite3_int64 size) {
    BufferedFile *file = (BufferedFile *)f;
    int rc = flush(file);
    return rc != SQLITE_OK ? rc : file->real->pMethods->xTruncate(file->real, size);
}

static int bufferedSync(sqlite3_file *f, int flags) {
    BufferedFile *file = (BufferedFile *)f;
    int rc = flush(file);
    if (rc == SQLITE_OK && file->failNextSync) {
        file->failNextSync = 0;
        return SQLITE_IOERR_FSYNC;
    }
    return rc != SQLITE_OK ? rc : file->real->pMethods->xSync(file->real, flags);
}

static int bufferedFileSize(sqlite3_file *f, sqlite3_int64 *size) {
    BufferedFile *file = (BufferedFile *)f;
    int rc = flush(file);
    return rc != SQLITE_OK ? rc : file->real->pMethods->xFileSize(file->real, size);
}

static int bufferedLock(sqlite3_file *f, int level) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xLock(file->real, level);
}

static int bufferedUnlock(sqlite3_file *f, int level) {
    BufferedFile *file = (BufferedFile *)f;
    int rc = flush(file);
    int unlocked = file->real->pMethods->xUnlock(file->real, level);
    return rc != SQLITE_OK ? rc : unlocked;
}

static int bufferedCheckReservedLock(sqlite3_file *f, int *out) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xCheckReservedLock(file->real, out);
}

static int bufferedFileControl(sqlite3_file *f, int op, void *argument) {
    BufferedFile *file = (BufferedFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    if (op == SQLITE_FCNTL_VFSNAME) {
        rc = file->real->pMethods->xFileControl(file->real, op, argument);
        if (rc == SQLITE_OK) {
            char *name = sqlite3_mprintf("%s/%z", vfs.zName, *(char **)argument);
            *(char **)argument = name;
        }
        return rc;
    }
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int bufferedSectorSize(sqlite3_file *f) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xSectorSize(file->real);
}

static int bufferedDeviceCharacteristics(sqlite3_file *f) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int bufferedShmMap(sqlite3_file *f, int region, int size, int extend, void volatile **out) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, out);
}

static int bufferedShmLock(sqlite3_file *f, int offset, int n, int flags) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xShmLock(file->real, offset, n, flags);
}

static void bufferedShmBarrier(sqlite3_file *f) {
    BufferedFile *file = (BufferedFile *)f;
    file->real->pMethods->xShmBarrier(file->real);
}

static int bufferedShmUnmap(sqlite3_file *f, int deleteFlag) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static int bufferedFetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out) {
    BufferedFile *file = (BufferedFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFetch(file->real, offset, amount, out);
}

static int bufferedUnfetch(sqlite3_file *f, sqlite3_int64 offset, void *pointer) {
    BufferedFile *file = (BufferedFile *)f;
    return file->real->pMethods->xUnfetch(file->real, offset, pointer);
}

/* Version 3 (shared memory and memory mapping) as the unix VFS's files are; `open` checks that
   the real file's methods are at least that. */
static const sqlite3_io_methods methods = {
    3,
    bufferedClose, bufferedRead, bufferedWrite, bufferedTruncate, bufferedSync, bufferedFileSize,
    bufferedLock, bufferedUnlock, bufferedCheckReservedLock, bufferedFileControl, bufferedSectorSize,
    bufferedDeviceCharacteristics, bufferedShmMap, bufferedShmLock, bufferedShmBarrier, bufferedShmUnmap,
    bufferedFetch, bufferedUnfetch,
};

static int bufferedOpen(sqlite3_vfs *self, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags) {
    (void)self;
    BufferedFile *file = (BufferedFile *)f;
    memset(file, 0, sizeof(BufferedFile));
    file->real = (sqlite3_file *)((char *)file + ROUND8(sizeof(BufferedFile)));
    int rc = parent->xOpen(parent, name, file->real, flags, outFlags);
    if (file->real->pMethods == NULL) {
        file->base.pMethods = NULL;
        return rc;
    }
    if (file->real->pMethods->iVersion < 3) {
        /* Not the unix VFS's files: nothing of ours in between. */
        file->real->pMethods->xClose(file->real);
        file->base.pMethods = NULL;
        return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
    }
    file->isWal = (flags & SQLITE_OPEN_WAL) != 0;
    file->base.pMethods = &methods;
    return rc;
}

static int forwardDelete(sqlite3_vfs *self, const char *name, int syncDirectory) { (void)self; return parent->xDelete(parent, name, syncDirectory); }
static int forwardAccess(sqlite3_vfs *self, const char *name, int flags, int *out) { (void)self; return parent->xAccess(parent, name, flags, out); }
static int forwardFullPathname(sqlite3_vfs *self, const char *name, int size, char *out) { (void)self; return parent->xFullPathname(parent, name, size, out); }
static void *forwardDlOpen(sqlite3_vfs *self, const char *name) { (void)self; return parent->xDlOpen(parent, name); }
static void forwardDlError(sqlite3_vfs *self, int size, char *out) { (void)self; parent->xDlError(parent, size, out); }
static void (*forwardDlSym(sqlite3_vfs *self, void *handle, const char *symbol))(void) { (void)self; return parent->xDlSym(parent, handle, symbol); }
static void forwardDlClose(sqlite3_vfs *self, void *handle) { (void)self; parent->xDlClose(parent, handle); }
static int forwardRandomness(sqlite3_vfs *self, int size, char *out) { (void)self; return parent->xRandomness(parent, size, out); }
static int forwardSleep(sqlite3_vfs *self, int microseconds) { (void)self; return parent->xSleep(parent, microseconds); }
static int forwardCurrentTime(sqlite3_vfs *self, double *out) { (void)self; return parent->xCurrentTime(parent, out); }
static int forwardGetLastError(sqlite3_vfs *self, int size, char *out) { (void)self; return parent->xGetLastError(parent, size, out); }
static int forwardCurrentTimeInt64(sqlite3_vfs *self, sqlite3_int64 *out) { (void)self; return parent->xCurrentTimeInt64(parent, out); }

static void registerOnce(void) {
    parent = sqlite3_vfs_find(NULL);
    if (parent == NULL || parent->iVersion < 2) return;
    memset(&vfs, 0, sizeof vfs);
    vfs.iVersion = 2;
    vfs.szOsFile = (int)(ROUND8(sizeof(BufferedFile)) + (size_t)parent->szOsFile);
    vfs.mxPathname = parent->mxPathname;
    vfs.zName = "outpost-wal-buffer";
    vfs.xOpen = bufferedOpen;
    vfs.xDelete = forwardDelete;
    vfs.xAccess = forwardAccess;
    vfs.xFullPathname = forwardFullPathname;
    vfs.xDlOpen = forwardDlOpen;
    vfs.xDlError = forwardDlError;
    vfs.xDlSym = forwardDlSym;
    vfs.xDlClose = forwardDlClose;
    vfs.xRandomness = forwardRandomness;
    vfs.xSleep = forwardSleep;
    vfs.xCurrentTime = forwardCurrentTime;
    vfs.xGetLastError = forwardGetLastError;
    vfs.xCurrentTimeInt64 = forwardCurrentTimeInt64;
    if (sqlite3_vfs_register(&vfs, 0) == SQLITE_OK) registered = vfs.zName;
}

const char *outpost_wal_buffer_vfs(void) {
    pthread_once(&once, registerOnce);
    return registered;
}

/* The main database's WAL file, if it is one of ours. */
static BufferedFile *walFile(sqlite3 *db) {
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK) return NULL;
    if (file == NULL || file->pMethods != &methods) return NULL;
    return (BufferedFile *)file;
}

int outpost_wal_buffer_flush(sqlite3 *db) {
    BufferedFile *file = walFile(db);
    if (file == NULL) return SQLITE_OK;
    int rc = flush(file);
    return file->failure != SQLITE_OK ? file->failure : rc;
}

void outpost_wal_buffer_close_without_checkpoint(sqlite3 *db) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}

void outpost_wal_buffer_fail_next_flush(sqlite3 *db) {
    BufferedFile *file = walFile(db);
    if (file != NULL) file->failNextFlush = 1;
}

void outpost_wal_buffer_fail_next_sync(sqlite3 *db) {
    BufferedFile *file = walFile(db);
    if (file != NULL) file->failNextSync = 1;
}

int outpost_wal_buffer_counts(sqlite3 *db, sqlite3_int64 *requested, sqlite3_int64 *written, int *pending) {
    BufferedFile *file = walFile(db);
    if (file == NULL) return 0;
    *requested = file->requested;
    *written = file->written;
    *pending = file->length;
    return 1;
}
