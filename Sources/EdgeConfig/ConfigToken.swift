/// A scalar value as the lexer read it, before the parser gives it a type.
///
/// Numbers stay text here because their conversion (size suffixes, range checks) is the
/// parser's job, as in nats-server where `lex.go` emits items and `parse.go` converts them.
struct ConfigToken: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        /// A string value (quoted, bare or a `( ... )` block).
        case string(String)
        /// An unquoted `true`, `no`, `ON`, ...
        case bool(String)
        /// Digits with an optional `-` and size suffix, such as `-12` or `64MB`.
        case integer(String)
        /// Digits with a decimal point, such as `2.5`.
        case float(String)
        /// `YYYY-MM-DDTHH:MM:SSZ`.
        case datetime(String)
        /// `$NAME`, without the dollar sign.
        case variable(String)
    }

    var kind: Kind
    var position: ConfigPosition
}
