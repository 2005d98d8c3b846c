/// One value of a parsed configuration file, with the position where it was written.
///
/// Values nest: a ``Kind/map(_:)`` holds a ``ConfigMap`` of keyed values and an
/// ``Kind/array(_:)`` holds values. Sizes such as `1MB` are already expanded into
/// ``Kind/integer(_:)`` by the parser, exactly as nats-server's `conf/parse.go` does.
///
/// ```swift
/// let map = try ConfigParser().parse(text: "port: 4222", file: "a.conf")
/// map["port"]?.integerValue   // 4222
/// map["port"]?.position       // a.conf:1:7
/// ```
package struct ConfigValue: Hashable, Sendable {
    /// What the value is.
    package var kind: Kind
    /// Where the value starts (its first character, including an opening quote).
    package var position: ConfigPosition

    /// Creates a value.
    package init(_ kind: Kind, at position: ConfigPosition) {
        self.kind = kind
        self.position = position
    }

    /// The string, if this is a string.
    package var stringValue: String? {
        if case .string(let value) = kind { return value }
        return nil
    }

    /// The integer, if this is an integer.
    package var integerValue: Int64? {
        if case .integer(let value) = kind { return value }
        return nil
    }

    /// The float, if this is a float.
    package var floatValue: Double? {
        if case .float(let value) = kind { return value }
        return nil
    }

    /// The Boolean, if this is a Boolean.
    package var boolValue: Bool? {
        if case .bool(let value) = kind { return value }
        return nil
    }

    /// The map, if this is a map.
    package var mapValue: ConfigMap? {
        if case .map(let value) = kind { return value }
        return nil
    }

    /// The elements, if this is an array.
    package var arrayValue: [ConfigValue]? {
        if case .array(let value) = kind { return value }
        return nil
    }

    /// The same value with its position (and the positions of everything inside it) replaced.
    ///
    /// Used for values read from environment variables, which have no file of their own: they
    /// are reported where the `$VARIABLE` reference was written.
    package func relocated(to position: ConfigPosition) -> ConfigValue {
        switch kind {
        case .array(let elements):
            return ConfigValue(.array(elements.map { $0.relocated(to: position) }), at: position)
        case .map(let map):
            var relocated = ConfigMap()
            for entry in map.entries {
                var moved = entry
                moved.keyPosition = position
                moved.value = entry.value.relocated(to: position)
                relocated.set(moved)
            }
            return ConfigValue(.map(relocated), at: position)
        default:
            return ConfigValue(kind, at: position)
        }
    }
}
