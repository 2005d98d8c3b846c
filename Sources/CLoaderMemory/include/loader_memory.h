#ifndef OUTPOST_LOADER_MEMORY_H
#define OUTPOST_LOADER_MEMORY_H

#include <stddef.h>

/// Drops from this process's resident set the pages of every loaded object's relocation table
/// (DT_RELA / DT_REL) that lies in a read-only segment. The dynamic loader reads those tables
/// once, before main, and never again; a position-independent executable with the Swift standard
/// library linked in carries about 1.5 MB of them (64,000 R_X86_64_RELATIVE entries), all of it
/// counted in idle RSS for the life of the process. The pages are clean file-backed copies, so
/// dropping them loses nothing: a later read (a debugger, say) faults them back in from the file.
///
/// Returns the number of bytes released (0 where nothing applies, e.g. on other systems).
size_t outpost_release_relocation_tables(void);

/// The address range of the executable's own relocation table, page-aligned inwards, as
/// `outpost_release_relocation_tables` sees it: for tests. Returns 0 and leaves the outputs alone
/// when the executable has no such table.
int outpost_executable_relocation_range(void **start, size_t *length);

/// Drops from this process's resident set every page of the loaded objects' read-only segments
/// (code and constant data, never written: clean copies of the files), for a server whose start
/// is over. Starting up touches far more of the binary than serving does (the Swift runtime
/// scans every protocol conformance record and the type descriptors they point at, option and
/// configuration parsing, the SQLite schema code...); those pages stay mapped, counted in RSS and
/// protected from reclaim as mapped executable pages, although nothing reads them again. Pages
/// still in use come back at their next read, from the page cache.
///
/// Returns the number of bytes released.
size_t outpost_release_read_only_pages(void);

/// The executable's first read-only executable segment (its code), page-aligned inwards: for tests.
int outpost_executable_text_range(void **start, size_t *length);

#endif
