/// Something in a configuration (or on the command line) that is accepted but that the user
/// should know about: a nats-server setting Outpost ignores, or a deprecated form.
///
/// ```text
/// outpost.conf:20:1: cluster: not supported: Outpost does not cluster; connect it to a cluster as a leaf
/// outpost.conf:7:1: write_deadline: should be converted to a duration; the number is read as seconds
/// ```
package struct ConfigWarning: Hashable, Sendable, CustomStringConvertible {
    /// What kind of warning this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unsupported
            case deprecated
            case discouraged
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A setting or flag nats-server knows that Outpost does not act on (yet).
        package static let unsupported = Code(.unsupported)
        /// An old form that nats-server still reads, such as a duration given as a number.
        package static let deprecated = Code(.deprecated)
        /// An accepted value nats-server warns about, such as a very large `max_payload`.
        package static let discouraged = Code(.discouraged)

        package var description: String {
            switch base {
            case .unsupported: "unsupported"
            case .deprecated: "deprecated"
            case .discouraged: "discouraged"
            }
        }
    }

    /// The kind of warning.
    package var code: Code
    /// Where it is; nil for command-line warnings.
    package var position: ConfigPosition?
    /// The setting or flag concerned.
    package var key: String?
    /// The explanation, without position or key.
    package var message: String

    /// Creates a warning.
    package init(_ code: Code, _ message: String, at position: ConfigPosition? = nil, key: String? = nil) {
        self.code = code
        self.message = message
        self.position = position
        self.key = key
    }

    /// `file:line:column: key: message`, leaving out the parts that are absent.
    package var description: String { diagnosticText(position: position, key: key, message: message) }
}
