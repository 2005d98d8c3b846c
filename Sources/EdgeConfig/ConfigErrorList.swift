/// Every error (and the warnings found alongside) from loading a configuration.
///
/// Like nats-server's `processConfigErr`, the loader does not stop at the first problem: the
/// user sees all of them at once. ``description`` lists warnings first, then errors, one per
/// line, as nats-server prints them.
package struct ConfigErrorList: Error, Hashable, Sendable, CustomStringConvertible {
    /// The errors; never empty when thrown.
    package var errors: [ConfigError]
    /// Warnings found before loading failed.
    package var warnings: [ConfigWarning]

    /// Creates a list.
    package init(errors: [ConfigError], warnings: [ConfigWarning] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    /// One line per warning, then one per error.
    package var description: String {
        (warnings.map(\.description) + errors.map(\.description)).joined(separator: "\n")
    }
}
