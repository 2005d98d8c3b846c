#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded map from a literal subject (raw bytes) to a value, looked up without allocating
/// and without reference counting.
///
/// The publish path finds its subscribers here by hashing the subject bytes straight out of the
/// receive buffer and comparing them with `memcmp`, so a hit costs no `String`, no allocation and
/// no retain/release: entries and keys live in memory this class allocates and frees itself
/// (with arrays, every look-up retained the key and table buffers; measured with perf, that was
/// a tenth of the CPU of a publish). When full it sweeps down to `sweepTarget` entries, as
/// nats-server's sublist cache does (1024 swept to 512); which entries go does not matter for
/// correctness, only for the hit rate.
///
/// Public with `@inlinable` hot paths for the reason given on ``SubjectMatch``. Not thread-safe:
/// one owner at a time.
public final class SubjectMatchCache<Value> {
    @usableFromInline
    struct Entry {
        @usableFromInline var hash: UInt64
        @usableFromInline var key: UnsafeMutableRawBufferPointer
        @usableFromInline var value: Value

        @inlinable
        init(hash: UInt64, key: UnsafeMutableRawBufferPointer, value: Value) {
            self.hash = hash
            self.key = key
            self.value = value
        }
    }

    /// Maximum number of subjects kept.
    public let capacityLimit: Int
    /// Size the cache is cut down to when `capacityLimit` is reached.
    public let sweepTarget: Int

    /// `capacityLimit` entries, the first `count` initialised; allocated on first `set`, so
    /// connections that never publish (most of a thousand idle sensors) carry no table.
    @usableFromInline var entries: UnsafeMutablePointer<Entry>?
    @usableFromInline var entryCount = 0
    /// Open-addressing table of indices into `entries` (+1; 0 = empty), linear probing.
    @usableFromInline var slots: UnsafeMutablePointer<Int32>?
    @usableFromInline var slotMask = 0

    @inlinable
    public init(capacityLimit: Int = 1024, sweepTarget: Int = 512) {
        precondition(capacityLimit > 0 && sweepTarget >= 0 && sweepTarget < capacityLimit)
        self.capacityLimit = capacityLimit
        self.sweepTarget = sweepTarget
    }

    deinit {
        removeAll()
        entries?.deallocate()
        slots?.deallocate()
    }

    @inlinable
    public var count: Int { entryCount }

    /// A fast 64-bit hash of a short byte string: eight bytes per multiply (subjects are short,
    /// and byte-at-a-time FNV was the most expensive instruction of a publish).
    @inlinable @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var index = 0
        while index + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index += 8
        }
        if index < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                word |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
        }
        hash = (hash ^ (hash >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return hash ^ (hash >> 32)
    }

    /// The index in `entries` of `subject`, or -1.
    @inlinable @inline(__always)
    func find(_ subject: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        guard let slots, let entries else { return -1 }
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let stored = Int(slots[slot])
            if stored == 0 { return -1 }
            let entry = entries + (stored - 1)
            if entry.pointee.hash == hash && entry.pointee.key.count == subject.count
                && (subject.count == 0 || memcmp(entry.pointee.key.baseAddress!, subject.baseAddress!, subject.count) == 0)
            {
                return stored - 1
            }
            slot = (slot + 1) & slotMask
        }
    }

    /// The value cached for `subject`, if any.
    @inlinable @inline(__always)
    public func value(for subject: UnsafeRawBufferPointer) -> Value? {
        let index = find(subject, hash: Self.hash(subject))
        return index < 0 ? nil : entries![index].value
    }

    /// Calls `body` with the value cached for `subject` without copying it out; `nil` if
    /// nothing is cached. `body` must not change the cache.
    @inlinable @inline(__always)
    public func withValue<Result>(for subject: UnsafeRawBufferPointer, _ body: (borrowing Value) -> Result) -> Result? {
        let index = find(subject, hash: Self.hash(subject))
        if index < 0 { return nil }
        return body(entries![index].value)
    }

    /// Stores `value` for `subject`, replacing what was there; sweeps first when full.
    @inlinable
    public func set(_ value: Value, for subject: UnsafeRawBufferPointer) {
        let hash = Self.hash(subject)
        let existing = find(subject, hash: hash)
        if existing >= 0 {
            entries![existing].value = value
            return
        }
        if entries == nil { allocate() }
        if entryCount >= capacityLimit { sweep() }
        let key = UnsafeMutableRawBufferPointer.allocate(byteCount: max(subject.count, 1), alignment: 1)
        if subject.count > 0 { key.baseAddress!.copyMemory(from: subject.baseAddress!, byteCount: subject.count) }
        (entries! + entryCount).initialize(
            to: Entry(hash: hash, key: UnsafeMutableRawBufferPointer(rebasing: key[..<subject.count]), value: value))
        entryCount += 1
        insertSlot(hash: hash, index: entryCount - 1)
    }

    public func set(_ value: Value, for subject: String) {
        var subject = subject
        subject.withUTF8 { set(value, for: UnsafeRawBufferPointer($0)) }
    }

    public func value(for subject: String) -> Value? {
        var subject = subject
        return subject.withUTF8 { value(for: UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with every cached subject and its value; `body` may change the value or
    /// return `false` to drop the entry.
    public func updateAll(_ body: (UnsafeRawBufferPointer, inout Value) -> Bool) {
        guard let entries else { return }
        var kept = 0
        for index in 0..<entryCount {
            let entry = entries + index
            if body(UnsafeRawBufferPointer(entry.pointee.key), &entry.pointee.value) {
                if kept != index { (entries + kept).moveInitialize(from: entry, count: 1) }
                kept += 1
            } else {
                entry.pointee.key.deallocate()
                entry.deinitialize(count: 1)
            }
        }
        if kept != entryCount {
            entryCount = kept
            rebuildSlots()
        }
    }

    public func removeAll() {
        guard let entries, entryCount > 0 else { return }
        for index in 0..<entryCount { entries[index].key.deallocate() }
        entries.deinitialize(count: entryCount)
        entryCount = 0
        slots!.update(repeating: 0, count: slotMask + 1)
    }

    @usableFromInline
    func allocate() {
        var slotCount = 8
        while slotCount < capacityLimit * 2 { slotCount <<= 1 }
        let slots = UnsafeMutablePointer<Int32>.allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        self.slots = slots
        slotMask = slotCount - 1
        entries = UnsafeMutablePointer<Entry>.allocate(capacity: capacityLimit)
    }

    /// Drops the oldest entries until `sweepTarget` remain (nats-server drops arbitrary
    /// entries; the oldest are as good a choice and deterministic).
    @usableFromInline
    func sweep() {
        guard let entries else { return }
        let dropped = entryCount - sweepTarget
        guard dropped > 0 else { return }
        for index in 0..<dropped { entries[index].key.deallocate() }
        entries.deinitialize(count: dropped)
        entries.moveInitialize(from: entries + dropped, count: sweepTarget)
        entryCount = sweepTarget
        rebuildSlots()
    }

    @usableFromInline
    func insertSlot(hash: UInt64, index: Int) {
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while slots![slot] != 0 { slot = (slot + 1) & slotMask }
        slots![slot] = Int32(index + 1)
    }

    @usableFromInline
    func rebuildSlots() {
        guard let slots, let entries else { return }
        slots.update(repeating: 0, count: slotMask + 1)
        for index in 0..<entryCount { insertSlot(hash: entries[index].hash, index: index) }
    }
}
