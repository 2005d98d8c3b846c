import Testing

@testable import Subjects

@Suite("SubjectMatchCache")
struct SubjectMatchCacheTests {
    @Test("set, get, replace, and the bound with its sweep")
    func boundAndSweep() {
        let cache = SubjectMatchCache<Int>(capacityLimit: 8, sweepTarget: 2)
        #expect(cache.value(for: "a") == nil)
        for index in 0..<8 { cache.set(index, for: "s\(index)") }
        #expect(cache.count == 8)
        for index in 0..<8 { #expect(cache.value(for: "s\(index)") == index) }
        cache.set(100, for: "s3")
        #expect(cache.value(for: "s3") == 100)
        #expect(cache.count == 8)
        // The ninth distinct subject sweeps down to two, then adds itself.
        cache.set(9, for: "s9")
        #expect(cache.count == 3)
        #expect(cache.value(for: "s9") == 9)
        #expect(cache.value(for: "s7") == 7)
        #expect(cache.value(for: "s0") == nil)
    }

    @Test("updateAll changes and drops entries")
    func updateAll() {
        let cache = SubjectMatchCache<Int>(capacityLimit: 16, sweepTarget: 8)
        for index in 0..<10 { cache.set(index, for: "k\(index)") }
        cache.updateAll { _, value in
            value *= 10
            return value % 20 == 0
        }
        #expect(cache.count == 5)
        #expect(cache.value(for: "k2") == 20)
        #expect(cache.value(for: "k3") == nil)
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.value(for: "k2") == nil)
    }

    @Test("keys are compared by bytes, including the empty key and long keys")
    func keys() {
        let cache = SubjectMatchCache<String>(capacityLimit: 64, sweepTarget: 32)
        let long = String(repeating: "segment.", count: 40) + "end"
        cache.set("long", for: long)
        cache.set("empty", for: "")
        cache.set("short", for: "ab")
        #expect(cache.value(for: long) == "long")
        #expect(cache.value(for: long + "x") == nil)
        #expect(cache.value(for: "") == "empty")
        #expect(cache.value(for: "ab") == "short")
        #expect(cache.value(for: "ba") == nil)
        var subject = "ab"
        let borrowed = subject.withUTF8 { cache.withValue(for: UnsafeRawBufferPointer($0)) { $0.count } }
        #expect(borrowed == 5)
    }
}
