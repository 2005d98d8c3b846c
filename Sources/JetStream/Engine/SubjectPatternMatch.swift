import Subjects

/// Subject matching for the engine (a thin spelling of ``SubjectPattern``).
enum SubjectPatternMatch {
    @inline(__always)
    static func matches(_ pattern: String, _ subject: String) -> Bool {
        SubjectPattern.matches(pattern: pattern, subject: subject)
    }
}
