/// Subject and queue-name rules, as nats-server applies them (`server/sublist.go`).
///
/// A subject is one or more tokens separated by `.`; no token is empty; no token contains
/// whitespace; `*` (one token) and `>` (the rest, last token only) are wildcards only when they
/// are a whole token (`foo.*bar` is a valid literal subject).
package enum SubjectValidation {
    package static let tokenSeparator: UInt8 = 0x2E  // "."

    /// A JetStream acknowledgement subject (`$JS.ACK.…`). Each names one delivery (stream and
    /// consumer sequences, a timestamp) and is published once or twice, so caching where it is
    /// routed only pushes out results that are asked for again.
    package static func isAckSubject(_ subject: UnsafeRawBufferPointer) -> Bool {
        // "$JS.ACK."
        subject.count > 8 && subject[0] == 0x24 && subject[1] == 0x4A && subject[2] == 0x53 && subject[3] == 0x2E
            && subject[4] == 0x41 && subject[5] == 0x43 && subject[6] == 0x4B && subject[7] == 0x2E
    }
    package static let partialWildcard: UInt8 = 0x2A  // "*"
    package static let fullWildcard: UInt8 = 0x3E  // ">"

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        // nats-server rejects " ", \t, \n, \f and \r inside subjects.
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    /// A subject a subscription may use: wildcards allowed as whole tokens, `>` only last.
    package static func isValidSubject(_ bytes: UnsafeRawBufferPointer) -> Bool {
        validate(bytes, allowWildcards: true)
    }

    /// A subject a message may be published to: no wildcard tokens.
    package static func isValidLiteralSubject(_ bytes: UnsafeRawBufferPointer) -> Bool {
        validate(bytes, allowWildcards: false)
    }

    package static func isValidSubject(_ subject: String) -> Bool {
        var copy = subject
        return copy.withUTF8 { isValidSubject(UnsafeRawBufferPointer($0)) }
    }

    package static func isValidLiteralSubject(_ subject: String) -> Bool {
        var copy = subject
        return copy.withUTF8 { isValidLiteralSubject(UnsafeRawBufferPointer($0)) }
    }

    /// A queue group name: non-empty and free of whitespace (nats-server `isValidQueue`
    /// only forbids whitespace in the parser; wildcards are allowed in queue names).
    package static func isValidQueueName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.isEmpty { return false }
        for byte in bytes where isWhitespace(byte) { return false }
        return true
    }

    package static func isValidQueueName(_ name: String) -> Bool {
        var copy = name
        return copy.withUTF8 { isValidQueueName(UnsafeRawBufferPointer($0)) }
    }

    /// `true` when the subject contains a `*` or `>` token.
    package static func hasWildcard(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var tokenStart = 0
        let count = bytes.count
        var index = 0
        while index <= count {
            if index == count || bytes[index] == tokenSeparator {
                if index - tokenStart == 1 {
                    let byte = bytes[tokenStart]
                    if byte == partialWildcard || byte == fullWildcard { return true }
                }
                tokenStart = index + 1
            }
            index += 1
        }
        return false
    }

    package static func hasWildcard(_ subject: String) -> Bool {
        var copy = subject
        return copy.withUTF8 { hasWildcard(UnsafeRawBufferPointer($0)) }
    }

    private static func validate(_ bytes: UnsafeRawBufferPointer, allowWildcards: Bool) -> Bool {
        let count = bytes.count
        if count == 0 { return false }
        var tokenStart = 0
        var sawFullWildcard = false
        var index = 0
        while index <= count {
            if index == count || bytes[index] == tokenSeparator {
                let length = index - tokenStart
                if length == 0 || sawFullWildcard { return false }
                if length == 1 {
                    let byte = bytes[tokenStart]
                    if byte == fullWildcard {
                        if !allowWildcards { return false }
                        sawFullWildcard = true
                    } else if byte == partialWildcard {
                        if !allowWildcards { return false }
                    }
                }
                tokenStart = index + 1
            } else if isWhitespace(bytes[index]) {
                return false
            }
            index += 1
        }
        return true
    }
}
