/// Turns a configuration file and command-line flags into a ``ServerConfiguration``, collecting
/// every error and warning on the way, as nats-server's `processConfigFile` does.
///
/// ```swift
/// let flags = try CommandLineFlags.parse(Array(CommandLine.arguments.dropFirst()))
/// do {
///     let loaded = try ConfigurationLoader.load(
///         path: flags.configFile, flags: flags, readFile: readTextFile, environment: environmentValue
///     )
///     for warning in loaded.warnings { logger.warning("\(warning)") }
///     run(loaded.configuration)
/// } catch {
///     print(error)   // every problem, one per line: "outpost.conf:12:3: max_payload: value is too big"
/// }
/// ```
///
/// Keys nats-server knows but Outpost does not act on yet produce a warning naming the key;
/// keys nats-server does not know are errors (`unknown field "xyz"`), except top-level entries
/// used as `$VARIABLE`s, which nats-server also allows.
package enum ConfigurationLoader {
    /// Loads the file at `path` (if any), applies `flags`, and validates the result.
    ///
    /// - Parameters:
    ///   - path: The configuration file; nil to start from the defaults.
    ///   - flags: Command-line flags; they win over the file.
    ///   - readFile: Reads the file and its includes.
    ///   - environment: Looks up environment variables for `$VARIABLE`s.
    /// - Returns: The configuration and the warnings of the file and the flags.
    /// - Throws: ``ConfigErrorList`` with every error (and the warnings found so far).
    package static func load(
        path: String?,
        flags: CommandLineFlags = CommandLineFlags(),
        readFile: @escaping ConfigParser.FileReader,
        environment: @escaping ConfigParser.EnvironmentLookup
    ) throws(ConfigErrorList) -> LoadedConfiguration {
        guard let path else {
            return try finish(ConfigurationBuilder(file: nil), flags: flags)
        }
        let parser = ConfigParser(readFile: readFile, environment: environment)
        let map: ConfigMap
        do {
            map = try parser.parse(file: path)
        } catch {
            throw ConfigErrorList(errors: [error], warnings: flags.warnings)
        }
        return try finish(build(map, file: path), flags: flags)
    }

    /// Loads configuration text as if read from `file` (for tests and `-t`-style checks).
    package static func load(
        text: String,
        file: String = "",
        flags: CommandLineFlags = CommandLineFlags(),
        readFile: @escaping ConfigParser.FileReader = { path in
            throw ConfigError(.include, "no file reader was given to read \(path)")
        },
        environment: @escaping ConfigParser.EnvironmentLookup = { _ in nil }
    ) throws(ConfigErrorList) -> LoadedConfiguration {
        let map: ConfigMap
        do {
            map = try ConfigParser(readFile: readFile, environment: environment).parse(text: text, file: file)
        } catch {
            throw ConfigErrorList(errors: [error], warnings: flags.warnings)
        }
        return try finish(build(map, file: file), flags: flags)
    }

    /// Maps an already parsed file onto a configuration, without flags or final validation.
    static func build(_ map: ConfigMap, file: String) -> ConfigurationBuilder {
        var builder = ConfigurationBuilder(file: file)
        builder.process(map)
        return builder
    }

    private static func finish(
        _ builder: ConfigurationBuilder, flags: CommandLineFlags
    ) throws(ConfigErrorList) -> LoadedConfiguration {
        var builder = builder
        builder.configuration = builder.configuration.applying(flags)
        builder.validate()
        let warnings = builder.warnings + flags.warnings
        guard builder.errors.isEmpty else {
            throw ConfigErrorList(errors: builder.errors, warnings: warnings)
        }
        return LoadedConfiguration(configuration: builder.configuration, warnings: warnings)
    }
}
