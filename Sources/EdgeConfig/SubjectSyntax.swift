/// Subject checks needed to validate permissions in a configuration file, as nats-server's
/// `IsValidSubject` (`server/sublist.go`) does them.
package enum SubjectSyntax {
    /// Whether `subject` is a valid subject or wildcard pattern: non-empty tokens separated by
    /// `.`, no white space inside a token, and `>` only as the last token.
    package static func isValid(_ subject: String) -> Bool {
        guard !subject.isEmpty else { return false }
        var hasFullWildcard = false
        for token in subject.split(separator: ".", omittingEmptySubsequences: false) {
            if token.isEmpty || hasFullWildcard { return false }
            if token.unicodeScalars.contains(where: { " \t\n\r\u{0C}".unicodeScalars.contains($0) }) { return false }
            if token == ">" { hasFullWildcard = true }
        }
        return true
    }

    /// Whether `name` is valid as a JetStream domain or similar name: non-empty, without
    /// white space, `.`, `*` or `>` (`isValidName` in `server/jetstream.go`).
    package static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { " \t\r\n\u{0C}.*>".unicodeScalars.contains($0) }
    }
}

extension SubjectSyntax {
    /// Whether every subject `inner` matches is matched by `outer` (both may hold wildcards).
    package static func isSubset(_ inner: String, of outer: String) -> Bool {
        let innerTokens = inner.split(separator: ".", omittingEmptySubsequences: false)
        let outerTokens = outer.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in outerTokens.enumerated() {
            if token == ">" { return innerTokens.count > index }
            guard index < innerTokens.count else { return false }
            if token == "*" {
                if innerTokens[index] == ">" { return false }
                continue
            }
            if token != innerTokens[index] { return false }
        }
        return innerTokens.count == outerTokens.count
    }
}

extension SubjectSyntax {
    /// Whether some subject matches both patterns.
    package static func intersects(_ first: String, _ second: String) -> Bool {
        let a = first.split(separator: ".", omittingEmptySubsequences: false)
        let b = second.split(separator: ".", omittingEmptySubsequences: false)
        var index = 0
        while index < a.count && index < b.count {
            if a[index] == ">" || b[index] == ">" { return true }
            if a[index] != "*" && b[index] != "*" && a[index] != b[index] { return false }
            index += 1
        }
        return a.count == b.count
    }
}
