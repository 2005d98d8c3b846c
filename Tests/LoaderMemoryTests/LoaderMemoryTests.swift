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

/// Serialized: releasing the read-only segments also releases the relocation table, which the
/// first test needs resident between two of its checks.
@Suite(.serialized) struct LoaderMemoryTests {
    @Test func relocationTablePagesLeaveTheResidentSet() throws {
        var start: UnsafeMutableRawPointer?
        var length = 0
        try #require(
            outpost_executable_relocation_range(&start, &length) == 1,
            "the test executable is position-independent and has a relocation table")
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

    /// A function whose result the test checks after its code pages were given back.
    @inline(never) static func checksum(_ values: [UInt64]) -> UInt64 {
        values.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ $1) &* 0x100_0000_01b3 }
    }

    @Test func codePagesLeaveTheResidentSetAndComeBackWhenRun() throws {
        var start: UnsafeMutableRawPointer?
        var length = 0
        try #require(outpost_executable_text_range(&start, &length) == 1, "the test executable has a read-only code segment")
        let text = try #require(start)
        let values: [UInt64] = (0..<1_000).map { UInt64($0) &* 2_654_435_761 }
        let expected = Self.checksum(values)
        let firstWord = text.load(as: UInt64.self)
        let residentBefore = try residentPages(start: text, length: length).filter { $0 }.count
        // A test binary links Swift Testing, Foundation and the runtime: megabytes of code, some
        // of it run already.
        #expect(residentBefore > 64)

        let released = outpost_release_read_only_pages()
        #expect(released >= length)
        // Whatever runs from here on (this function, the allocator, the test runner's threads)
        // faults its pages back in; most of the segment stays out.
        let residentAfter = try residentPages(start: text, length: length).filter { $0 }.count
        #expect(residentAfter < residentBefore / 2, "resident code pages: \(residentBefore) before, \(residentAfter) after")

        // The code and the bytes are the file's: they run and read back the same.
        #expect(Self.checksum(values) == expected)
        #expect(text.load(as: UInt64.self) == firstWord)
    }
}
