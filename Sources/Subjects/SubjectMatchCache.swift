/// A bounded map from a literal subject (raw bytes) to a value, looked up without allocating.
///
/// The publish path finds its subscribers here by hashing the subject bytes straight out of the
/// receive buffer (FNV-1a) and comparing them with `memcmp`-like loops, so a hit costs no
/// `String` and no allocation. When full it sweeps down to `sweepTarget` entries, as
/// nats-server's sublist cache does (1024 swept to 512); which entries go does not matter for
/// correctness, only for the hit rate.
package struct SubjectMatchCache<Value> {
    private struct Entry {
        var hash: UInt64
        var key: [UInt8]
        var value: Value
    }

    /// Maximum number of subjects kept.
    package let capacityLimit: Int
    /// Size the cache is cut down to when `capacityLimit` is reached.
    package let sweepTarget: Int

    private var entries: [Entry] = []
    /// Open-addressing table of indices into `entries` (+1; 0 = empty), linear probing.
    private var slots: [Int32]
    private var slotMask: Int

    package init(capacityLimit: Int = 1024, sweepTarget: Int = 512) {
        precondition(capacityLimit > 0 && sweepTarget >= 0 && sweepTarget < capacityLimit)
        self.capacityLimit = capacityLimit
        self.sweepTarget = sweepTarget
        var slotCount = 8
        while slotCount < capacityLimit * 2 { slotCount <<= 1 }
        self.slots = Array(repeating: 0, count: slotCount)
        self.slotMask = slotCount - 1
        entries.reserveCapacity(min(capacityLimit, 64))
    }

    package var count: Int { entries.count }

    @inline(__always)
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The value cached for `subject`, if any.
    @inline(__always)
    package func value(for subject: UnsafeRawBufferPointer) -> Value? {
        let hash = Self.hash(subject)
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let stored = Int(slots[slot])
            if stored == 0 { return nil }
            let entry = entries[stored - 1]
            if entry.hash == hash && Self.equal(entry.key, subject) { return entry.value }
            slot = (slot + 1) & slotMask
        }
    }

    /// Stores `value` for `subject`, replacing what was there; sweeps first when full.
    package mutating func set(_ value: Value, for subject: UnsafeRawBufferPointer) {
        let hash = Self.hash(subject)
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let stored = Int(slots[slot])
            if stored == 0 { break }
            if entries[stored - 1].hash == hash && Self.equal(entries[stored - 1].key, subject) {
                entries[stored - 1].value = value
                return
            }
            slot = (slot + 1) & slotMask
        }
        if entries.count >= capacityLimit {
            sweep()
            set(value, for: subject)
            return
        }
        entries.append(Entry(hash: hash, key: Array(subject), value: value))
        slots[slot] = Int32(entries.count)
    }

    package mutating func set(_ value: Value, for subject: String) {
        var subject = subject
        subject.withUTF8 { set(value, for: UnsafeRawBufferPointer($0)) }
    }

    package func value(for subject: String) -> Value? {
        var subject = subject
        return subject.withUTF8 { value(for: UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with every cached subject and its value; `body` may change the value or
    /// return `false` to drop the entry.
    package mutating func updateAll(_ body: (UnsafeRawBufferPointer, inout Value) -> Bool) {
        var removedAny = false
        var index = 0
        while index < entries.count {
            let keep = entries[index].key.withUnsafeBytes { key in body(key, &entries[index].value) }
            if keep {
                index += 1
            } else {
                entries.swapAt(index, entries.count - 1)
                entries.removeLast()
                removedAny = true
            }
        }
        if removedAny { rebuildSlots() }
    }

    package mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        for index in slots.indices { slots[index] = 0 }
    }

    /// Drops entries until `sweepTarget` remain. nats-server drops arbitrary entries (map
    /// iteration order); dropping the oldest half is as good and deterministic.
    private mutating func sweep() {
        entries.removeFirst(entries.count - sweepTarget)
        rebuildSlots()
    }

    private mutating func rebuildSlots() {
        for index in slots.indices { slots[index] = 0 }
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            slots[slot] = Int32(index + 1)
        }
    }

    @inline(__always)
    private static func equal(_ key: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        if key.count != bytes.count { return false }
        return key.withUnsafeBytes { stored in
            var index = 0
            let count = stored.count
            while index < count {
                if stored[index] != bytes[index] { return false }
                index += 1
            }
            return true
        }
    }
}
