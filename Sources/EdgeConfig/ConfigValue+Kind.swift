extension ConfigValue {
    /// The kinds of value the nats-server configuration format has (`conf/lex.go` item types).
    package enum Kind: Hashable, Sendable {
        /// A quoted, bare or block `( ... )` string.
        case string(String)
        /// An integer, with any size suffix (`k`, `kb`, `mib`, ...) already applied.
        case integer(Int64)
        /// A floating-point number such as `2.5`.
        case float(Double)
        /// `true`/`false`, `yes`/`no`, `on`/`off` (any case, unquoted).
        case bool(Bool)
        /// An ISO 8601 Zulu date and time such as `2016-05-04T18:53:41Z`.
        case datetime(ConfigDateTime)
        /// `[ ... ]`.
        case array([ConfigValue])
        /// `{ ... }`.
        case map(ConfigMap)

        /// The name used in messages ("expected an integer, got a string").
        package var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .bool: "a boolean"
            case .datetime: "a datetime"
            case .array: "an array"
            case .map: "a map"
            }
        }
    }
}
