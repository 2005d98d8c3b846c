/// Parses one configuration text (a file, an included file or an environment variable's
/// value) into a ``ConfigMap``; ``ConfigParser`` is its public face.
///
/// It drives ``ConfigLexer`` the way `conf/lex.go`'s state stack does: statements at the top
/// level (optionally wrapped in `{ }` blocks, for JSON-like files), then maps and arrays
/// recursively, each with its own rule for what may end a value. It keeps the maps being built
/// in `frames`, innermost last, because `$VARIABLE` lookups search them from the inside out
/// (`conf/parse.go`, `lookupVariable`).
struct ConfigDocumentParser {
    private var lexer: ConfigLexer
    private let parser: ConfigParser
    private let includeDepth: Int
    /// Environment variables being expanded, to detect `A=$B`, `B=$A` cycles (nats-server 2.11+).
    private let environmentReferences: Set<String>
    /// The maps under construction; `frames[0]` is the document.
    private var frames: [ConfigMap] = []
    private var nestingDepth = 0
    /// How many top-level `{` blocks are open (nats-server 2.10+ `lexBlockStart`).
    private var blockDepth = 0

    init(
        text: String, file: String, parser: ConfigParser, includeDepth: Int, environmentReferences: Set<String>
    ) {
        self.lexer = ConfigLexer(text: text, file: file)
        self.parser = parser
        self.includeDepth = includeDepth
        self.environmentReferences = environmentReferences
    }

    // MARK: Top level

    mutating func parseDocument() throws(ConfigError) -> ConfigMap {
        frames = [ConfigMap()]
        while true {
            lexer.skipWhitespace()
            guard let scalar = lexer.peek() else { break }
            if lexer.isAtComment {
                lexer.skipComment()
                continue
            }
            switch scalar {
            case "{":
                lexer.advance()
                blockDepth += 1
                continue
            case "}" where blockDepth > 0:
                lexer.advance()
                blockDepth -= 1
                try finishClosedBlock()
                continue
            case "}":
                // A lone closing brace at the very end is allowed for JSON-like files
                // (parse.go accepts a final "}" key).
                let position = lexer.position
                lexer.advance()
                lexer.skipWhitespace()
                guard lexer.peek() == nil else { throw .syntax("Unexpected '}'.", at: position) }
                continue
            case "/":
                throw .syntax("Unexpected '/': comments start with '#' or '//'.", at: lexer.position)
            default:
                break
            }
            try parseStatement()
            try finishStatement()
        }
        return frames[0]
    }

    /// A `key value` or `include` statement at the top level or in a top-level block.
    private mutating func parseStatement() throws(ConfigError) {
        switch try lexer.scanKey(in: .topLevel) {
        case .include(let path, let position):
            try include(path, at: position)
        case .key(let key, let keyPosition):
            // lexKeyEnd: any white space, new lines included, may separate key and value.
            lexer.skipWhitespace()
            if let scalar = lexer.peek(), scalar == "=" || scalar == ":" {
                lexer.advance()
            } else if lexer.peek() == nil {
                // parse.go: a key with no value at the end of the file.
                throw .syntax("config is invalid: key '\(key)' has no value", at: keyPosition)
            }
            let value = try parseValue()
            frames[frames.count - 1].set(ConfigMapEntry(key: key, keyPosition: keyPosition, value: value))
        }
    }

    /// What may follow a top-level value (`lexTopValueEnd`) or a value in a top-level block
    /// (`lexBlockValueEnd`).
    private mutating func finishStatement() throws(ConfigError) {
        while true {
            if lexer.isAtComment {
                lexer.skipComment()
                if blockDepth == 0 { return }
                continue
            }
            let scalar = lexer.peek()
            switch scalar {
            case " ", "\t", "/":
                // lex.go treats a '/' that does not start a comment like white space here.
                lexer.advance()
            case "\n", "\r", ";", ",":
                lexer.advance()
                return
            case "}":
                lexer.advance()
                if blockDepth > 0 {
                    blockDepth -= 1
                    try finishClosedBlock()
                }
                return
            case nil where blockDepth == 0:
                return
            default:
                let level = blockDepth == 0 ? "top-level" : "block-level"
                throw .syntax(
                    "Expected a \(level) value to end with a new line, comment or EOF, but got '\(ConfigLexer.describe(scalar))' instead.",
                    at: lexer.position
                )
            }
        }
    }

    /// After the `}` of a nested top-level block, only `}`, `,` or `;` may follow (`lexBlockEnd`).
    private mutating func finishClosedBlock() throws(ConfigError) {
        while blockDepth > 0 {
            if lexer.isAtComment {
                lexer.skipComment()
                return
            }
            let scalar = lexer.peek()
            switch scalar {
            case " ", "\t", "\n", "\r":
                lexer.advance()
            case ";", ",":
                lexer.advance()
                return
            case "}":
                lexer.advance()
                blockDepth -= 1
            default:
                throw .syntax(
                    "Expected a block-level to end with a '}', but got '\(ConfigLexer.describe(scalar))' instead.",
                    at: lexer.position
                )
            }
        }
    }

    // MARK: Values

    /// Any value: array, map or scalar. Spaces and tabs before it are skipped, a new line is an
    /// error (`lexValue`).
    private mutating func parseValue() throws(ConfigError) -> ConfigValue {
        lexer.skipSpacesAndTabs()
        let start = lexer.position
        switch lexer.peek() {
        case "[":
            lexer.advance()
            return ConfigValue(.array(try parseArray(start: start)), at: start)
        case "{":
            lexer.advance()
            return ConfigValue(.map(try parseMap(start: start)), at: start)
        default:
            return try value(of: try lexer.scanScalar())
        }
    }

    /// The elements of `[ ... ]`, whose `[` is consumed (`lexArrayValue`, `lexArrayValueEnd`).
    private mutating func parseArray(start: ConfigPosition) throws(ConfigError) -> [ConfigValue] {
        try enterNesting(at: start)
        defer { nestingDepth -= 1 }
        var elements: [ConfigValue] = []
        while true {
            lexer.skipWhitespace()
            if lexer.isAtComment {
                lexer.skipComment()
                continue
            }
            switch lexer.peek() {
            case ",", "/":
                // lex.go reports a stray '/' the same way as a stray ','.
                throw .syntax("Unexpected array value terminator ','.", at: lexer.position)
            case "]":
                lexer.advance()
                return elements
            default:
                break
            }
            elements.append(try parseValue())
            valueEnd: while true {
                if lexer.isAtComment {
                    lexer.skipComment()
                    continue
                }
                let scalar = lexer.peek()
                switch scalar {
                case " ", "\t":
                    lexer.advance()
                case ",", "\n", "\r", "/":
                    lexer.advance()
                    break valueEnd
                case "]":
                    lexer.advance()
                    return elements
                default:
                    throw .syntax(
                        "Expected an array value terminator \",\" or an array terminator \"]\", but got '\(ConfigLexer.describe(scalar))' instead.",
                        at: lexer.position
                    )
                }
            }
        }
    }

    /// The entries of `{ ... }`, whose `{` is consumed (`lexMapKeyStart` ... `lexMapValueEnd`).
    private mutating func parseMap(start: ConfigPosition) throws(ConfigError) -> ConfigMap {
        try enterNesting(at: start)
        defer { nestingDepth -= 1 }
        frames.append(ConfigMap())
        while true {
            lexer.skipWhitespace()
            if lexer.isAtComment {
                lexer.skipComment()
                continue
            }
            switch lexer.peek() {
            case "}":
                lexer.advance()
                return frames.removeLast()
            case "]":
                throw .syntax("Unexpected array end ']' processing map.", at: lexer.position)
            default:
                break
            }
            switch try lexer.scanKey(in: .map) {
            case .include(let path, let position):
                try include(path, at: position)
            case .key(let key, let keyPosition):
                lexer.skipWhitespace()
                if let scalar = lexer.peek(), scalar == "=" || scalar == ":" {
                    lexer.advance()
                    // lexMapValue: inside a map, the value may start on the next line.
                    lexer.skipWhitespace()
                }
                switch lexer.peek() {
                case ",":
                    throw .syntax("Unexpected map value terminator \",\".", at: lexer.position)
                case "}":
                    throw .syntax("Expected a value for key '\(key)'.", at: lexer.position)
                default:
                    break
                }
                let value = try parseValue()
                frames[frames.count - 1].set(ConfigMapEntry(key: key, keyPosition: keyPosition, value: value))
            }
            valueEnd: while true {
                if lexer.isAtComment {
                    lexer.skipComment()
                    continue
                }
                let scalar = lexer.peek()
                switch scalar {
                case " ", "\t":
                    lexer.advance()
                case ",", ";", "\n", "\r", "/":
                    lexer.advance()
                    break valueEnd
                case "}":
                    lexer.advance()
                    return frames.removeLast()
                default:
                    throw .syntax(
                        "Expected a map value terminator \",\" or a map terminator \"}\", but got '\(ConfigLexer.describe(scalar))' instead.",
                        at: lexer.position
                    )
                }
            }
        }
    }

    private mutating func enterNesting(at position: ConfigPosition) throws(ConfigError) {
        guard nestingDepth < ConfigParser.nestingDepthMax else {
            throw .syntax("Maps and arrays nest deeper than \(ConfigParser.nestingDepthMax) levels.", at: position)
        }
        nestingDepth += 1
    }

    // MARK: Includes

    /// Parses the included file on its own (it does not see this file's variables) and merges
    /// its keys into the current map, as `parse.go` does.
    private mutating func include(_ path: String, at position: ConfigPosition) throws(ConfigError) {
        guard includeDepth < ConfigParser.includeDepthMax else {
            throw ConfigError(
                .include,
                "error parsing include file '\(path)', includes nest deeper than \(ConfigParser.includeDepthMax) levels (is there an include cycle?)",
                at: position
            )
        }
        let resolved = ConfigPath.join(ConfigPath.directory(of: lexer.file), path)
        let text: String
        do {
            text = try parser.readFile(resolved)
        } catch {
            throw ConfigError(
                .include, "error parsing include file '\(path)', \(ConfigParser.describe(error))", at: position
            )
        }
        var included = ConfigDocumentParser(
            text: text, file: resolved, parser: parser, includeDepth: includeDepth + 1,
            environmentReferences: environmentReferences
        )
        let map = try included.parseDocument()
        for entry in map.entries {
            frames[frames.count - 1].set(entry)
        }
    }

    // MARK: Scalars

    private mutating func value(of token: ConfigToken) throws(ConfigError) -> ConfigValue {
        let position = token.position
        switch token.kind {
        case .string(let text):
            return ConfigValue(.string(text), at: position)
        case .bool(let text):
            switch text.lowercased() {
            case "true", "yes", "on": return ConfigValue(.bool(true), at: position)
            default: return ConfigValue(.bool(false), at: position)
            }
        case .integer(let text):
            return ConfigValue(.integer(try Self.integer(from: text, at: position)), at: position)
        case .float(let text):
            guard let number = Double(text) else {
                throw .syntax("expected float, but got '\(text)'", at: position)
            }
            guard number.isFinite else { throw .syntax("float '\(text)' is out of the range", at: position) }
            return ConfigValue(.float(number), at: position)
        case .datetime(let text):
            guard let datetime = ConfigDateTime(iso8601: text) else {
                throw .syntax("expected Zulu formatted DateTime, but got '\(text)'", at: position)
            }
            return ConfigValue(.datetime(datetime), at: position)
        case .variable(let name):
            return try resolveVariable(name, at: position)
        }
    }

    /// Converts `-12`, `64MB`, `1k` ... as `parse.go` does: `k`, `m`, `g`, `t`, `p`, `e` are
    /// powers of 1000; `kb`/`ki`/`kib` and the like are powers of 1024; case does not matter.
    static func integer(from text: String, at position: ConfigPosition) throws(ConfigError) -> Int64 {
        let scalars = Array(text.unicodeScalars)
        var digitCount = 0
        while digitCount < scalars.count, ConfigLexer.isDigit(scalars[digitCount]) || scalars[digitCount] == "-" {
            digitCount += 1
        }
        var digits = String.UnicodeScalarView()
        digits.append(contentsOf: scalars[..<digitCount])
        let numberText = String(digits)
        guard let number = Int64(numberText) else {
            let isWellFormed =
                numberText.unicodeScalars.enumerated().allSatisfy { offset, scalar in
                    ("0"..."9").contains(scalar) || (offset == 0 && scalar == "-")
                } && numberText.unicodeScalars.contains { ("0"..."9").contains($0) }
            if isWellFormed { throw .syntax("integer '\(text)' is out of the range", at: position) }
            throw .syntax("expected integer, but got '\(text)'", at: position)
        }
        var suffix = String.UnicodeScalarView()
        suffix.append(contentsOf: scalars[digitCount...])
        let multiplier: Int64
        switch String(suffix).lowercased() {
        case "": multiplier = 1
        case "k": multiplier = 1_000
        case "kb", "ki", "kib": multiplier = 1 << 10
        case "m": multiplier = 1_000_000
        case "mb", "mi", "mib": multiplier = 1 << 20
        case "g": multiplier = 1_000_000_000
        case "gb", "gi", "gib": multiplier = 1 << 30
        case "t": multiplier = 1_000_000_000_000
        case "tb", "ti", "tib": multiplier = 1 << 40
        case "p": multiplier = 1_000_000_000_000_000
        case "pb", "pi", "pib": multiplier = 1 << 50
        case "e": multiplier = 1_000_000_000_000_000_000
        case "eb", "ei", "eib": multiplier = 1 << 60
        default:
            // parse.go silently drops a value with any other suffix (`1kbi`); an error is kinder.
            throw .syntax("expected integer, but got '\(text)'", at: position)
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        // Go wraps around silently here; Outpost refuses the value instead.
        guard !overflow else { throw .syntax("integer '\(text)' is out of the range", at: position) }
        return product
    }

    // MARK: Variables

    /// Resolves `$name`: in the enclosing maps from the inside out, then in the environment,
    /// whose value is parsed as a configuration value (so `PORT=4222` gives an integer).
    private mutating func resolveVariable(_ name: String, at position: ConfigPosition) throws(ConfigError) -> ConfigValue {
        // parse.go: an unquoted bcrypt hash such as $2a$11$... is a string, not a variable.
        if name.hasPrefix("2a$") {
            return ConfigValue(.string("$" + name), at: position)
        }
        for index in frames.indices.reversed() {
            if let found = frames[index].markReferenced(name) {
                return ConfigValue(found.kind, at: position)
            }
        }
        if environmentReferences.contains(name) {
            throw ConfigError(
                .variable,
                "variable reference for '\(name)' could not be parsed: variable reference cycle for '\(name)'",
                at: position
            )
        }
        guard let text = parser.environment(name) else {
            throw ConfigError(.variable, "variable reference for '\(name)' can not be found", at: position)
        }
        var nested = ConfigDocumentParser(
            text: "pk=" + text, file: "", parser: parser, includeDepth: includeDepth,
            environmentReferences: environmentReferences.union([name])
        )
        let map: ConfigMap
        do {
            map = try nested.parseDocument()
        } catch {
            if error.code == .variable { throw ConfigError(.variable, error.message, at: position) }
            throw ConfigError(
                .variable, "variable reference for '\(name)' could not be parsed: \(error.message)", at: position
            )
        }
        guard let value = map["pk"] else {
            throw ConfigError(.variable, "variable reference for '\(name)' can not be found", at: position)
        }
        return value.relocated(to: position)
    }
}
