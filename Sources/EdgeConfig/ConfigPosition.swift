/// Where a configuration value, key or error sits: file, line and column.
///
/// Lines and columns start at 1; a column counts Unicode scalars, so a tab or a multi-byte
/// character is one column. `file` is the path as the parser was given it (or as an include
/// statement resolved it), so messages name the file the user wrote.
package struct ConfigPosition: Hashable, Sendable, CustomStringConvertible {
    /// The file path, empty for text that did not come from a file (for example an environment
    /// variable's value).
    package var file: String
    /// The line, starting at 1.
    package var line: Int
    /// The column, starting at 1.
    package var column: Int

    /// Creates a position.
    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and nats-server use.
    package var description: String {
        "\(file):\(line):\(column)"
    }
}
