/// Parses nats-server configuration files into a ``ConfigMap``.
///
/// The format is nats-server's (`conf/lex.go`, `conf/parse.go`):
///
/// ```text
/// # comments with '#' or '//'
/// port: 4222                  # also `port = 4222` and `port 4222`
/// max_payload: 1MB            # sizes: k/m/g/t/p/e are powers of 1000, kb/mb/... and ki/mi/... of 1024
/// server_name: "edge-1"       # "double quoted" (escapes \t \n \r \" \\ \xHH), 'single quoted' (raw) or bare
/// jetstream { store_dir: /var/lib/outpost, max_mem: 256MB }
/// server_tags: [a, b, c]      # items separated by commas or new lines
/// include "auth.conf"         # relative to the directory of the including file
/// PASSWORD: s3cret
/// authorization { user: admin, password: $PASSWORD }   # block-scoped variable, then environment
/// ```
///
/// Reading files and environment variables is injected, so the module does no I/O itself; the
/// executable passes its own functions:
///
/// ```swift
/// let parser = ConfigParser(readFile: readTextFile, environment: environmentValue)
/// let map = try parser.parse(file: "outpost.conf")
/// map["port"]?.integerValue
/// ```
package struct ConfigParser {
    /// Returns the contents of the file at the path, or throws; the error's description is put
    /// into the message, so `"open x.conf: no such file or directory"` reads well.
    package typealias FileReader = (String) throws -> String
    /// Returns the value of an environment variable, or nil if it is not set.
    package typealias EnvironmentLookup = (String) -> String?

    /// How deep includes may nest. nats-server has no limit and overflows its stack on an
    /// include cycle; a limit turns that into an error.
    package static let includeDepthMax = 16
    /// How deep maps and arrays may nest.
    package static let nestingDepthMax = 128

    let readFile: FileReader
    let environment: EnvironmentLookup

    /// Creates a parser.
    ///
    /// - Parameters:
    ///   - readFile: Reads included (and, for ``parse(file:)``, the main) files. The default
    ///     reads nothing and fails every include.
    ///   - environment: Looks up `$VARIABLE`s that no enclosing block defines. The default
    ///     finds none.
    package init(
        readFile: @escaping FileReader = { path in
            throw ConfigError(.include, "no file reader was given to read \(path)")
        },
        environment: @escaping EnvironmentLookup = { _ in nil }
    ) {
        self.readFile = readFile
        self.environment = environment
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``ConfigError`` with code ``ConfigError/Code/include`` if the file cannot be
    ///   read, or the first syntax, include or variable error, with its position.
    package func parse(file path: String) throws(ConfigError) -> ConfigMap {
        let text: String
        do {
            text = try readFile(path)
        } catch {
            throw ConfigError(.include, "error opening config file: \(Self.describe(error))")
        }
        return try parse(text: text, file: path)
    }

    /// Parses `text` as if it were the contents of `file`, which names positions and is the
    /// base for relative includes (the current directory when empty).
    package func parse(text: String, file: String = "") throws(ConfigError) -> ConfigMap {
        var document = ConfigDocumentParser(
            text: text, file: file, parser: self, includeDepth: 0, environmentReferences: []
        )
        return try document.parseDocument()
    }

    static func describe(_ error: any Error) -> String {
        if let configError = error as? ConfigError { return configError.description }
        return String(describing: error)
    }
}
