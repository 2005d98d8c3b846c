/// A configuration or command-line error: what went wrong, where, and for which key.
///
/// ```text
/// outpost.conf:12:3: max_payload: value is too big
/// outpost.conf:4:1: unknown field "prot"
/// flag provided but not defined: -xyz
/// ```
///
/// Messages follow nats-server's wording (`conf/lex.go`, `server/opts.go`, Go's `flag`
/// package) where that wording is useful; the position always has a column.
package struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of error this is; extensible without breaking `switch` statements.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case syntax
            case include
            case variable
            case unknownField
            case invalidType
            case invalidValue
            case flag
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The text is not valid configuration syntax (`Parse error` in nats-server).
        package static let syntax = Code(.syntax)
        /// An `include` could not be read.
        package static let include = Code(.include)
        /// A `$VARIABLE` could not be resolved.
        package static let variable = Code(.variable)
        /// A key nats-server does not know.
        package static let unknownField = Code(.unknownField)
        /// A value of the wrong type for its key.
        package static let invalidType = Code(.invalidType)
        /// A value of the right type that is not accepted.
        package static let invalidValue = Code(.invalidValue)
        /// A bad command-line flag.
        package static let flag = Code(.flag)

        package var description: String {
            switch base {
            case .syntax: "syntax"
            case .include: "include"
            case .variable: "variable"
            case .unknownField: "unknownField"
            case .invalidType: "invalidType"
            case .invalidValue: "invalidValue"
            case .flag: "flag"
            }
        }
    }

    /// The kind of error.
    package var code: Code
    /// Where the error is; nil for command-line errors.
    package var position: ConfigPosition?
    /// The setting concerned as a dotted path (`jetstream.max_mem`), when there is one.
    package var key: String?
    /// What is wrong, without the position or key.
    package var message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String, at position: ConfigPosition? = nil, key: String? = nil) {
        self.code = code
        self.message = message
        self.position = position
        self.key = key
    }

    /// `file:line:column: key: message`, leaving out the parts that are absent.
    package var description: String { diagnosticText(position: position, key: key, message: message) }

    @inline(never)
    static func syntax(_ message: String, at position: ConfigPosition) -> ConfigError {
        ConfigError(.syntax, message, at: position)
    }
}

/// How errors and warnings print: `file:line:column: key: message`, absent parts left out.
func diagnosticText(position: ConfigPosition?, key: String?, message: String) -> String {
    var text = ""
    if let position { text += "\(position): " }
    if let key { text += "\(key): " }
    return text + message
}
