import CLoaderMemory
import Glibc
import Testing

/// Whether each page of `start..<start+length` is resident in this process, from
/// /proc/self/pagemap (bit 63 of each 8-byte entry: "page present").
private func residentPages(start: UnsafeMutableRawPointer, length: Int) throws -> [Bool] {
    let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    let fd = open("/proc/self/pagemap", O_RDONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let count = length / pageSize
    var entries = [UInt64](repeating: 0, count: count)
    let offset = off_t(UInt(bitPattern: start) / UInt(pageSize) * 8)
    let read = entries.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
    try #require(read == count * 8)
    return entries.map { $0 >> 63 == 1 }
}

@Suite struct LoaderMemoryTests {
    @Test func relocationTablePagesLeaveTheResidentSet() throws {
        var start: UnsafeMutableRawPointer?
        var length = 0
        try #require(outpost_executable_relocation_range(&start, &length) == 1, "the test executable is position-independent and has a relocation table")
        let table = try #require(start)
        // Touch the table so that its pages are resident whatever happened before.
        var sum: UInt8 = 0
        for offset in stride(from: 0, to: length, by: 4096) { sum &+= table.load(fromByteOffset: offset, as: UInt8.self) }
        _ = sum
        #expect(try residentPages(start: table, length: length).allSatisfy { $0 })
        let firstEntry = table.load(as: UInt64.self)

        let released = outpost_release_relocation_tables()
        #expect(released >= length)
        #expect(try residentPages(start: table, length: length).allSatisfy { !$0 })

        // The pages are the file's: reading them again gives back the same bytes.
        #expect(table.load(as: UInt64.self) == firstEntry)
        #expect(try residentPages(start: table, length: 4096).first == true)
    }
}
