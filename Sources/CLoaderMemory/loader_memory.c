#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE  // dl_iterate_phdr
#endif
#include "loader_memory.h"

#if defined(__linux__)
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    uintptr_t start;  // page-aligned inwards
    size_t length;    // 0: none
} page_range;

/// The whole pages inside `[start, end)`: a partial page at either end may share its page with
/// something else.
static page_range inward_pages(uintptr_t start, uintptr_t end) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t first = (start + page - 1) & ~(page - 1);
    uintptr_t last = end & ~(page - 1);
    page_range none = {0, 0};
    if (last <= first) return none;
    page_range range = {first, last - first};
    return range;
}

/// The object's dynamic section (NULL when it has none, as a static non-PIE executable).
static const ElfW(Dyn) *dynamic_section(const struct dl_phdr_info *info) {
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) return (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    }
    return NULL;
}

/// The relocation table of one loaded object, page-aligned inwards, when the whole table sits
/// in a PT_LOAD segment that is not writable (so its pages were never written and are still
/// the file's).
static page_range relocation_pages(const struct dl_phdr_info *info) {
    page_range none = {0, 0};
    const ElfW(Dyn) *dynamic = dynamic_section(info);
    if (dynamic == NULL) return none;

    // x86_64 and aarch64 use RELA; REL is kept apart in case an object has both.
    uintptr_t rela = 0, rel = 0;
    size_t rela_size = 0, rel_size = 0;
    for (const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
        switch (entry->d_tag) {
        case DT_RELA: rela = (uintptr_t)entry->d_un.d_ptr; break;
        case DT_RELASZ: rela_size = (size_t)entry->d_un.d_val; break;
        case DT_REL: rel = (uintptr_t)entry->d_un.d_ptr; break;
        case DT_RELSZ: rel_size = (size_t)entry->d_un.d_val; break;
        default: break;
        }
    }
    uintptr_t table = rela != 0 ? rela : rel;
    size_t size = rela != 0 ? rela_size : rel_size;
    if (table == 0 || size == 0) return none;
    // glibc rewrites the main program's DT_* pointers to run-time addresses; a library's may
    // still be file addresses. A run-time address is never below the object's load base.
    if (table < (uintptr_t)info->dlpi_addr) table += (uintptr_t)info->dlpi_addr;

    int in_read_only_segment = 0;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_LOAD) continue;
        uintptr_t begin = info->dlpi_addr + segment->p_vaddr;
        uintptr_t end = begin + segment->p_filesz;
        if (table >= begin && table + size <= end) {
            in_read_only_segment = (segment->p_flags & PF_W) == 0;
            break;
        }
    }
    if (!in_read_only_segment) return none;
    return inward_pages(table, table + size);
}

static int release_one(struct dl_phdr_info *info, size_t info_size, void *released) {
    (void)info_size;
    page_range range = relocation_pages(info);
    if (range.length > 0 && madvise((void *)range.start, range.length, MADV_DONTNEED) == 0) {
        *(size_t *)released += range.length;
    }
    return 0;
}

size_t outpost_release_relocation_tables(void) {
    size_t released = 0;
    dl_iterate_phdr(release_one, &released);
    return released;
}

static int find_executable(struct dl_phdr_info *info, size_t info_size, void *found) {
    (void)info_size;
    // The first object is the executable (its name is empty).
    *(page_range *)found = relocation_pages(info);
    return 1;
}

int outpost_executable_relocation_range(void **start, size_t *length) {
    page_range range = {0, 0};
    dl_iterate_phdr(find_executable, &range);
    if (range.length == 0) return 0;
    *start = (void *)range.start;
    *length = range.length;
    return 1;
}

/// Gives back the resident pages of one object's read-only segments: the whole pages of each
/// PT_LOAD segment without PF_W. A segment overlapping the object's PT_GNU_RELRO range (pages
/// the loader wrote before making them read-only: private copies, which dropping would lose; the
/// usual linkers never put it in a read-only segment) is left alone, and so is an object with
/// text relocations (DT_TEXTREL) for the same reason.
static size_t release_read_only_segments(const struct dl_phdr_info *info) {
    // The vDSO is the kernel's, not a file mapping.
    if (info->dlpi_name != NULL && strstr(info->dlpi_name, "vdso") != NULL) return 0;
    const ElfW(Dyn) *dynamic = dynamic_section(info);
    for (const ElfW(Dyn) *entry = dynamic; entry != NULL && entry->d_tag != DT_NULL; entry++) {
        if (entry->d_tag == DT_TEXTREL) return 0;
        if (entry->d_tag == DT_FLAGS && (entry->d_un.d_val & DF_TEXTREL) != 0) return 0;
    }
    uintptr_t relro_begin = 0, relro_end = 0;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_GNU_RELRO) continue;
        relro_begin = info->dlpi_addr + segment->p_vaddr;
        relro_end = relro_begin + segment->p_memsz;
    }
    size_t released = 0;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_LOAD || (segment->p_flags & PF_W) != 0) continue;
        uintptr_t begin = info->dlpi_addr + segment->p_vaddr;
        uintptr_t end = begin + segment->p_filesz;
        if (relro_end > relro_begin && relro_begin < end && relro_end > begin) continue;
        page_range range = inward_pages(begin, end);
        if (range.length > 0 && madvise((void *)range.start, range.length, MADV_DONTNEED) == 0) released += range.length;
    }
    return released;
}

static int release_segments_of_one(struct dl_phdr_info *info, size_t info_size, void *released) {
    (void)info_size;
    *(size_t *)released += release_read_only_segments(info);
    return 0;
}

size_t outpost_release_read_only_pages(void) {
    size_t released = 0;
    // Every loaded object: the executable, then each shared library (libc, libstdc++, SQLite).
    dl_iterate_phdr(release_segments_of_one, &released);
    return released;
}

static int find_executable_text(struct dl_phdr_info *info, size_t info_size, void *found) {
    (void)info_size;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_LOAD || (segment->p_flags & PF_X) == 0 || (segment->p_flags & PF_W) != 0) continue;
        uintptr_t begin = info->dlpi_addr + segment->p_vaddr;
        *(page_range *)found = inward_pages(begin, begin + segment->p_filesz);
        break;
    }
    return 1;
}

int outpost_executable_text_range(void **start, size_t *length) {
    page_range range = {0, 0};
    dl_iterate_phdr(find_executable_text, &range);
    if (range.length == 0) return 0;
    *start = (void *)range.start;
    *length = range.length;
    return 1;
}

#else

size_t outpost_release_relocation_tables(void) { return 0; }
int outpost_executable_relocation_range(void **start, size_t *length) { (void)start; (void)length; return 0; }
size_t outpost_release_read_only_pages(void) { return 0; }
int outpost_executable_text_range(void **start, size_t *length) { (void)start; (void)length; return 0; }

#endif
