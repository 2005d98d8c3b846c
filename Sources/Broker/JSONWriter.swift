/// Builds small JSON objects by hand, in a fixed field order (the order nats-server uses), for
/// the `INFO` line and other hot-ish documents where `JSONEncoder` would be slower and unordered.
package struct JSONWriter {
    package private(set) var text = "{"
    private var isFirst = true

    package init() {}

    private mutating func key(_ name: String) {
        if !isFirst { text += "," }
        isFirst = false
        text += "\""
        text += name
        text += "\":"
    }

    package mutating func add(_ name: String, _ value: String) {
        key(name)
        Self.appendQuoted(value, to: &text)
    }

    package mutating func add(_ name: String, _ value: Int) {
        key(name)
        text += String(value)
    }

    package mutating func add(_ name: String, _ value: UInt64) {
        key(name)
        text += String(value)
    }

    package mutating func add(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
    }

    package mutating func add(_ name: String, strings: [String]) {
        key(name)
        text += "["
        for (index, value) in strings.enumerated() {
            if index > 0 { text += "," }
            Self.appendQuoted(value, to: &text)
        }
        text += "]"
    }

    /// Adds an already-encoded JSON value.
    package mutating func add(_ name: String, raw: String) {
        key(name)
        text += raw
    }

    package func finished() -> String { text + "}" }

    /// Appends `value` as a JSON string literal.
    package static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "<": text += "\\u003c"  // as Go's encoding/json
            case ">": text += "\\u003e"
            case "&": text += "\\u0026"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }
}
