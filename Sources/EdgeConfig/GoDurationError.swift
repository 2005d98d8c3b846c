/// Why a Go duration string could not be parsed, worded as Go's `time.ParseDuration` words it.
package struct GoDurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// For example `time: unknown unit "x" in duration "1x"`.
    package var message: String

    package var description: String { message }
}
