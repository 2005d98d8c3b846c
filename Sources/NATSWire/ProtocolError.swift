/// A violation of the client protocol found while parsing.
///
/// `wireText` is what nats-server puts in its `-ERR '...'` line for the same input (from
/// `server/parser.go` and `server/client.go`); `nil` when the reference closes the connection
/// without telling the client why. Every parser error closes the connection, as in the reference.
public struct ProtocolError: Error, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unknownOperation, maxControlLineExceeded, maxPayloadExceeded, badArguments
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An operation name that does not exist, or bytes where an operation must start.
        public static let unknownOperation = Code(.unknownOperation)
        /// A control line longer than `max_control_line`.
        public static let maxControlLineExceeded = Code(.maxControlLineExceeded)
        /// A declared payload larger than `max_payload`.
        public static let maxPayloadExceeded = Code(.maxPayloadExceeded)
        /// Wrong number or form of arguments (`PUB foo`, `PUB foo x`, `UNSUB 1 x`...).
        public static let badArguments = Code(.badArguments)

        public var description: String { "\(base)" }
    }

    public let code: Code
    /// The text nats-server sends in `-ERR '...'`, if it sends one.
    public let wireText: String?
    /// What went wrong, for the log (may quote the offending input).
    public let detail: String

    public init(code: Code, wireText: String?, detail: String) {
        self.code = code
        self.wireText = wireText
        self.detail = detail
    }

    public var description: String { detail }

    @inline(never)
    public static func unknownOperation(_ detail: String) -> ProtocolError {
        ProtocolError(code: .unknownOperation, wireText: "Unknown Protocol Operation", detail: detail)
    }

    @inline(never)
    public static func maxControlLineExceeded(length: Int, limit: Int) -> ProtocolError {
        ProtocolError(
            code: .maxControlLineExceeded,
            // nats-server 2.9 sends this one in lower case (it is `ErrMaxControlLine`'s text).
            wireText: "maximum control line exceeded",
            detail: "maximum control line exceeded: \(length) bytes, max_control_line \(limit)"
        )
    }

    @inline(never)
    public static func maxPayloadExceeded(size: Int, limit: Int) -> ProtocolError {
        ProtocolError(
            code: .maxPayloadExceeded,
            wireText: "Maximum Payload Violation",
            detail: "maximum payload exceeded: \(size) vs \(limit)"
        )
    }

    @inline(never)
    public static func badArguments(_ detail: String) -> ProtocolError {
        ProtocolError(code: .badArguments, wireText: nil, detail: detail)
    }
}
