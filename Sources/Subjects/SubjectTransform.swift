/// A subject mapping from a source pattern to a destination, with nats-server's rules
/// (`newTransform` in its `accounts.go`), for stream `republish`:
///
/// - the destination holds literal tokens, `$N` or `{{wildcard(N)}}` for the value of the
///   source's N-th `*` (from 1), and may end in `>` exactly when the source does (the subject's
///   tokens from the source's `>` on take its place);
/// - every `*` of the source is used, and the destination has no `*` of its own.
///
/// The other mapping functions (partition, split, slice) are not supported: a destination that
/// names one is refused like an invalid one.
package struct SubjectTransform: Sendable, Equatable {
    private enum Piece: Equatable {
        case literal(String)
        /// The value of the subject token at this index.
        case token(Int)
    }

    private let source: String
    private let sourceTokenCount: Int
    private let pieces: [Piece]
    private let appendsRest: Bool
    /// `>` to `>`: every subject maps to itself.
    private let isIdentity: Bool

    /// `nil` when the pair is not a valid mapping.
    package init?(source: String, destination: String) {
        guard SubjectValidation.isValidSubject(source), SubjectValidation.isValidSubject(destination) else { return nil }
        let sourceTokens = source.split(separator: ".", omittingEmptySubsequences: false)
        let destinationTokens = destination.split(separator: ".", omittingEmptySubsequences: false)
        let sourceEndsInFull = sourceTokens.last == ">"
        let destinationEndsInFull = destinationTokens.last == ">"
        guard sourceEndsInFull == destinationEndsInFull, !destinationTokens.contains("*") else { return nil }
        // Subject token index of each `*`, in order.
        let wildcardPositions = sourceTokens.indices.filter { sourceTokens[$0] == "*" }
        var pieces: [Piece] = []
        var placeholders = 0
        for token in destinationTokens.dropLast(destinationEndsInFull ? 1 : 0) {
            if let index = Self.placeholderIndex(token) {
                guard index >= 1 && index <= wildcardPositions.count else { return nil }
                pieces.append(.token(wildcardPositions[index - 1]))
                placeholders += 1
            } else if token.hasPrefix("{{") && token.hasSuffix("}}") {
                return nil  // another mapping function
            } else {
                pieces.append(.literal(String(token)))
            }
        }
        guard placeholders >= wildcardPositions.count else { return nil }
        self.source = source
        self.sourceTokenCount = sourceTokens.count
        self.pieces = pieces
        self.appendsRest = destinationEndsInFull
        self.isIdentity = source == ">" && destination == ">"
    }

    /// `$N` or `{{wildcard(N)}}`: N; otherwise `nil`.
    private static func placeholderIndex(_ token: Substring) -> Int? {
        if token.first == "$", token.count > 1 { return Int(token.dropFirst()) }
        guard token.hasPrefix("{{") && token.hasSuffix("}}") else { return nil }
        let call = token.dropFirst(2).dropLast(2)
        guard call.lowercased().hasPrefix("wildcard("), call.hasSuffix(")") else { return nil }
        return Int(call.dropFirst("wildcard(".count).dropLast())
    }

    /// The mapped subject, or `nil` when the literal `subject` does not match the source.
    package func apply(_ subject: String) -> String? {
        guard SubjectPattern.matches(pattern: source, subject: subject) else { return nil }
        if isIdentity { return subject }
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        var mapped = pieces.map { piece -> Substring in
            switch piece {
            case .literal(let text): return Substring(text)
            case .token(let index): return tokens[index]
            }
        }
        if appendsRest { mapped += tokens[(sourceTokenCount - 1)...] }
        return mapped.joined(separator: ".")
    }
}
