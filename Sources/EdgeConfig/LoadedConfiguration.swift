/// A configuration that loaded without errors, and the warnings to show the user.
package struct LoadedConfiguration: Hashable, Sendable {
    /// The configuration, with command-line flags applied.
    package var configuration: ServerConfiguration
    /// Warnings from the file and the flags, in the order found.
    package var warnings: [ConfigWarning]

    /// Creates a result.
    package init(configuration: ServerConfiguration, warnings: [ConfigWarning]) {
        self.configuration = configuration
        self.warnings = warnings
    }
}
