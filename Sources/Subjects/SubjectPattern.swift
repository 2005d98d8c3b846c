/// Matching one literal subject against one pattern, token by token.
///
/// Used where a single comparison is needed (the match cache when a subscription comes or goes,
/// permissions, stream subjects); bulk matching goes through ``SubjectIndex``.
package enum SubjectPattern {
    /// `true` when the literal `subject` is matched by `pattern` (which may hold `*` and `>`).
    package static func matches(pattern: UnsafeRawBufferPointer, subject: UnsafeRawBufferPointer) -> Bool {
        let separator = SubjectValidation.tokenSeparator
        let patternCount = pattern.count
        let subjectCount = subject.count
        var patternIndex = 0
        var subjectIndex = 0
        while true {
            var patternEnd = patternIndex
            while patternEnd < patternCount && pattern[patternEnd] != separator { patternEnd += 1 }
            let patternLength = patternEnd - patternIndex
            if patternLength == 1 && pattern[patternIndex] == SubjectValidation.fullWildcard {
                // `>` matches one or more remaining tokens.
                return subjectIndex < subjectCount
            }
            if subjectIndex > subjectCount { return false }
            var subjectEnd = subjectIndex
            while subjectEnd < subjectCount && subject[subjectEnd] != separator { subjectEnd += 1 }
            let subjectLength = subjectEnd - subjectIndex
            if patternLength == 1 && pattern[patternIndex] == SubjectValidation.partialWildcard {
                if subjectLength == 0 { return false }
            } else {
                if patternLength != subjectLength { return false }
                var offset = 0
                while offset < patternLength {
                    if pattern[patternIndex + offset] != subject[subjectIndex + offset] { return false }
                    offset += 1
                }
            }
            patternIndex = patternEnd + 1
            subjectIndex = subjectEnd + 1
            if patternIndex > patternCount { return subjectIndex > subjectCount }
            if subjectIndex > subjectCount { return false }
        }
    }

    package static func matches(pattern: String, subject: String) -> Bool {
        var pattern = pattern
        var subject = subject
        return pattern.withUTF8 { patternBytes in
            subject.withUTF8 { subjectBytes in
                matches(pattern: UnsafeRawBufferPointer(patternBytes), subject: UnsafeRawBufferPointer(subjectBytes))
            }
        }
    }

    /// `true` when some subject could match both patterns (used to reject overlapping stream
    /// subjects and to decide whether interest in `a` covers `b`).
    package static func intersects(_ first: String, _ second: String) -> Bool {
        let firstTokens = first.split(separator: ".", omittingEmptySubsequences: false)
        let secondTokens = second.split(separator: ".", omittingEmptySubsequences: false)
        var index = 0
        while index < firstTokens.count && index < secondTokens.count {
            let a = firstTokens[index]
            let b = secondTokens[index]
            if a == ">" || b == ">" { return true }
            if a != "*" && b != "*" && a != b { return false }
            index += 1
        }
        return firstTokens.count == secondTokens.count
    }

    /// `true` when every subject matched by `inner` is also matched by `outer`.
    package static func isSubset(_ inner: String, of outer: String) -> Bool {
        let innerTokens = inner.split(separator: ".", omittingEmptySubsequences: false)
        let outerTokens = outer.split(separator: ".", omittingEmptySubsequences: false)
        var index = 0
        while index < outerTokens.count {
            let o = outerTokens[index]
            if o == ">" { return index < innerTokens.count }
            if index >= innerTokens.count { return false }
            let i = innerTokens[index]
            if i == ">" { return false }
            if o == "*" {
                // `*` covers any single literal or `*`.
            } else if i != o {
                return false
            }
            index += 1
        }
        return innerTokens.count == outerTokens.count
    }
}
