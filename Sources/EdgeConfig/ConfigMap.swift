/// The keys and values of one `{ ... }` block (or of a whole file), in the order written.
///
/// Keys are case-sensitive here, as in nats-server's parser; the loader compares them
/// case-insensitively, as `server/opts.go` does with `strings.ToLower`. Assigning a key twice
/// keeps the last value, in the place of the first, as a Go map assignment would.
package struct ConfigMap: Hashable, Sendable {
    /// The entries in the order their keys first appeared.
    package private(set) var entries: [ConfigMapEntry] = []

    /// Creates an empty map.
    package init() {}

    /// The number of keys.
    package var count: Int { entries.count }

    /// Whether the map has no keys.
    package var isEmpty: Bool { entries.isEmpty }

    /// The keys, in order.
    package var keys: [String] { entries.map(\.key) }

    /// The value for `key` (exact case), if present.
    package subscript(key: String) -> ConfigValue? {
        entry(forKey: key)?.value
    }

    /// The entry for `key` (exact case), if present.
    package func entry(forKey key: String) -> ConfigMapEntry? {
        entries.first { $0.key == key }
    }

    /// Adds the entry, or replaces the entry that has the same key.
    package mutating func set(_ entry: ConfigMapEntry) {
        if let index = entries.firstIndex(where: { $0.key == entry.key }) {
            entries[index] = entry
        } else {
            entries.append(entry)
        }
    }

    /// Adds or replaces `key` with `value`.
    package mutating func set(_ key: String, _ value: ConfigValue, keyPosition: ConfigPosition? = nil) {
        set(ConfigMapEntry(key: key, keyPosition: keyPosition ?? value.position, value: value))
    }

    /// Records that a `$key` reference used the entry; returns its value, or nil if absent.
    mutating func markReferenced(_ key: String) -> ConfigValue? {
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
        entries[index].isReferencedAsVariable = true
        return entries[index].value
    }
}
