extension CommandLineFlags {
    /// Parses the arguments after the program name.
    ///
    /// - Throws: ``ConfigError`` with code ``ConfigError/Code/flag`` and Go's wording:
    ///   `flag provided but not defined: -xyz`, `flag needs an argument: -p`,
    ///   `invalid value "abc" for flag -p: parse error`, `unrecognized command: "foo"`.
    package static func parse(_ arguments: [String]) throws(ConfigError) -> CommandLineFlags {
        var flags = CommandLineFlags()
        var remaining = arguments[...]
        // -DV, -VV and -DVV are applied after the others, in that order, as nats-server does
        // in its second pass over the flags that were set.
        var combined: [(CommandLineFlag.Setting, Bool)] = []
        while let argument = remaining.first {
            let scalars = Array(argument.unicodeScalars)
            guard scalars.count >= 2, scalars[0] == "-" else { break }
            var dashes = 1
            if scalars[1] == "-" {
                dashes = 2
                if scalars.count == 2 {
                    // "--" ends the flags.
                    remaining = remaining.dropFirst()
                    break
                }
            }
            var name = String(String.UnicodeScalarView(scalars[dashes...]))
            if name.hasPrefix("-") || name.hasPrefix("=") {
                throw ConfigError(.flag, "bad flag syntax: \(argument)")
            }
            remaining = remaining.dropFirst()
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let flag = Self.flagsByName[name] else {
                throw ConfigError(.flag, "flag provided but not defined: -\(name)")
            }
            switch flag.kind {
            case .bool:
                let text = value ?? "true"
                guard let isOn = Self.goBool(text) else {
                    throw ConfigError(.flag, "invalid boolean value \"\(text)\" for -\(name): parse error")
                }
                switch flag.setting {
                case .debugAndTrace, .debugAndTraceVerbose, .traceVerbose:
                    combined.append((flag.setting, isOn))
                default:
                    flags.set(flag.setting, bool: isOn)
                }
            case .integer, .string:
                if value == nil, let next = remaining.first {
                    value = next
                    remaining = remaining.dropFirst()
                }
                guard let text = value else {
                    throw ConfigError(.flag, "flag needs an argument: -\(name)")
                }
                if flag.kind == .string {
                    flags.set(flag.setting, string: text)
                } else {
                    switch Self.goInteger(text) {
                    case .success(let number): flags.set(flag.setting, integer: number)
                    case .failure(let reason):
                        throw ConfigError(.flag, "invalid value \"\(text)\" for flag -\(name): \(reason.message)")
                    }
                }
            }
            flags.noteUnsupported(flag, writtenAs: String(repeating: "-", count: dashes) + name)
        }
        for (setting, isOn) in combined.sorted(by: { Self.combinedOrder($0.0) < Self.combinedOrder($1.0) }) {
            switch setting {
            case .debugAndTrace:
                flags.debug = isOn
                flags.trace = isOn
            case .debugAndTraceVerbose:
                flags.debug = isOn
                flags.trace = isOn
                flags.traceVerbose = isOn
            default:
                flags.trace = isOn
                flags.traceVerbose = isOn
            }
        }
        // What is left: "version", "help", or an error (`ProcessCommandLineArgs`).
        if let command = remaining.first {
            switch command.lowercased() {
            case "version": flags.isVersionRequested = true
            case "help": flags.isHelpRequested = true
            default: throw ConfigError(.flag, "unrecognized command: \"\(command)\"")
            }
        }
        if flags.isConfigurationCheck, flags.configFile == nil, !flags.isHelpRequested, !flags.isVersionRequested {
            throw ConfigError(.flag, "must specify [-c, --config] option to check configuration file syntax")
        }
        return flags
    }

    private static func combinedOrder(_ setting: CommandLineFlag.Setting) -> Int {
        switch setting {
        case .debugAndTrace: 0
        case .debugAndTraceVerbose: 1
        default: 2
        }
    }

    private mutating func noteUnsupported(_ flag: CommandLineFlag, writtenAs spelling: String) {
        let reason: String
        switch flag.setting {
        case .routes, .clusterListen, .clusterName, .clusterAdvertise, .noAdvertise, .connectRetries:
            reason = ConfigurationBuilder.doesNotCluster
        case .clientAdvertise:
            reason = "has no effect: Outpost does not cluster, so it advertises no client URLs"
        case .syslog, .remoteSyslog:
            reason = "not supported: Outpost logs to standard error or --log"
        case .profilingPort:
            reason = "not supported: Outpost has no profiling port"
        case .signal:
            reason = "not supported: send the signal to the process with kill"
        default:
            return
        }
        warnings.append(ConfigWarning(.unsupported, reason, key: spelling))
    }

    private mutating func set(_ setting: CommandLineFlag.Setting, bool isOn: Bool) {
        switch setting {
        case .checkConfiguration: isConfigurationCheck = isOn
        case .showVersion: isVersionRequested = isOn
        case .showHelp: isHelpRequested = isOn
        case .showTLSHelp: isTLSHelpRequested = isOn
        case .logTimestamps: logTimestamps = isOn
        case .logTimestampsUTC: logTimestampsUTC = isOn
        case .syslog: syslog = isOn
        case .debug: debug = isOn
        case .trace: trace = isOn
        case .jetStream: jetStream = isOn
        case .tls: tls = isOn
        case .tlsVerify: tlsVerify = isOn
        case .noAdvertise: noAdvertise = isOn
        default: assertionFailure("\(setting) is not a Boolean flag")
        }
    }

    private mutating func set(_ setting: CommandLineFlag.Setting, integer number: Int64) {
        switch setting {
        case .port: port = Int(number)
        case .httpPort: httpPort = Int(number)
        case .httpsPort: httpsPort = Int(number)
        case .logSizeLimit: logSizeLimit = number
        case .maxTracedMessageLength: maxTracedMessageLength = Int(number)
        case .connectRetries: connectRetries = Int(number)
        case .profilingPort: profilingPort = Int(number)
        case .eventLoops: eventLoopCount = Int(number)
        default: assertionFailure("\(setting) is not an integer flag")
        }
    }

    private mutating func set(_ setting: CommandLineFlag.Setting, string text: String) {
        switch setting {
        case .configFile: configFile = text
        case .host: host = text
        case .serverName: serverName = text
        case .clientAdvertise: clientAdvertise = text
        case .pidFile: pidFile = text
        case .portsFileDirectory: portsFileDirectory = text
        case .signal: signal = text
        case .logFile: logFile = text
        case .remoteSyslog: remoteSyslog = text
        case .storeDirectory: storeDirectory = text
        case .username: username = text
        case .password: password = text
        case .token: token = text
        case .tlsCertificate: tlsCertificateFile = text
        case .tlsKey: tlsKeyFile = text
        case .tlsCACertificate: tlsCACertificateFile = text
        case .routes: routes = text
        case .clusterListen: clusterListen = text
        case .clusterName: clusterName = text
        case .clusterAdvertise: clusterAdvertise = text
        default: assertionFailure("\(setting) is not a string flag")
        }
    }

    /// Go's `strconv.ParseBool`.
    static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    struct IntegerParseFailure: Error {
        let message: String
    }

    /// Go's `strconv.ParseInt(text, 0, 64)`: optional sign, then decimal, `0x` hex, `0o` or
    /// leading-zero octal, or `0b` binary, with `_` allowed between digits after a prefix.
    static func goInteger(_ text: String) -> Result<Int64, IntegerParseFailure> {
        let parseError = IntegerParseFailure(message: "parse error")
        var body = Substring(text)
        var isNegative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            isNegative = sign == "-"
            body = body.dropFirst()
        }
        var radix = 10
        var hasPrefix = false
        let lower = body.lowercased()
        if lower.hasPrefix("0x") {
            radix = 16
            body = body.dropFirst(2)
            hasPrefix = true
        } else if lower.hasPrefix("0b") {
            radix = 2
            body = body.dropFirst(2)
            hasPrefix = true
        } else if lower.hasPrefix("0o") {
            radix = 8
            body = body.dropFirst(2)
            hasPrefix = true
        } else if body.count > 1, body.first == "0" {
            radix = 8
            body = body.dropFirst()
            hasPrefix = true
        }
        if hasPrefix {
            // Underscores only between digits (or right after the prefix).
            if body.hasSuffix("_") || body.contains("__") { return .failure(parseError) }
            body = Substring(body.filter { $0 != "_" })
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isHexDigit }),
            let magnitude = UInt64(body, radix: radix)
        else {
            // Digits that are valid but too many are a range error, as in Go.
            if !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.hexDigitValue ?? 99) < radix }) {
                return .failure(IntegerParseFailure(message: "value out of range"))
            }
            return .failure(parseError)
        }
        if isNegative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .failure(IntegerParseFailure(message: "value out of range")) }
            return .success(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .failure(IntegerParseFailure(message: "value out of range")) }
        return .success(Int64(magnitude))
    }
}
