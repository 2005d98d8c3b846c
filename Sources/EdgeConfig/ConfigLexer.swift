/// Reads the characters of one configuration text, following the rules of nats-server's
/// `conf/lex.go`.
///
/// The lexer does not decide the structure: the parser asks it for what may come next (a key,
/// a value, an include path) and does the bookkeeping of maps, arrays and blocks itself. Each
/// `scan` method matches one group of `lex.go` state functions, including their quirks (an
/// unquoted integer directly followed by `]` becomes a string, `1.5s` is an error, `10s` is a
/// string), because a file must mean the same thing to Outpost as to nats-server.
struct ConfigLexer {
    /// Which `lex.go` key rules apply: top-level keys and map keys differ in their messages and
    /// in how they end at the end of the input.
    enum KeyContext {
        case topLevel
        case map
    }

    /// A key as read, or the path of an `include` statement written where a key was expected.
    enum KeyToken {
        case key(String, ConfigPosition)
        case include(String, ConfigPosition)
    }

    let file: String
    private let scalars: [Unicode.Scalar]
    private(set) var index = 0
    private var line = 1
    private var lineStart = 0

    init(text: String, file: String) {
        self.file = file
        self.scalars = Array(text.unicodeScalars)
    }

    // MARK: Cursor

    /// The position of the next unread character.
    var position: ConfigPosition {
        ConfigPosition(file: file, line: line, column: index - lineStart + 1)
    }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let target = index + offset
        return target < scalars.count ? scalars[target] : nil
    }

    mutating func advance() {
        guard index < scalars.count else { return }
        // Lines are counted on "\n" only, as lex.go does; "\r\n" therefore counts once.
        if scalars[index] == "\n" {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    /// Skips spaces and tabs, the only characters `lex.go` calls whitespace (`isWhitespace`).
    mutating func skipSpacesAndTabs() {
        while let scalar = peek(), Self.isSpaceOrTab(scalar) { advance() }
    }

    /// Skips every Unicode space, new lines included (`unicode.IsSpace`).
    mutating func skipWhitespace() {
        while let scalar = peek(), Self.isUnicodeSpace(scalar) { advance() }
    }

    /// Whether a `#` or `//` comment starts here.
    var isAtComment: Bool {
        peek() == "#" || (peek() == "/" && peek(1) == "/")
    }

    /// Skips a comment up to, not including, the end of its line.
    mutating func skipComment() {
        while let scalar = peek(), !Self.isNewline(scalar) { advance() }
    }

    // MARK: Keys

    /// Reads a key (bare, `"quoted"` or `'quoted'`) starting at the next character, which the
    /// caller has checked is not whitespace, a comment or a closing brace.
    ///
    /// An unquoted `include` followed by whitespace is the include keyword (`keyCheckKeyword`),
    /// whose path is read here too.
    mutating func scanKey(in context: KeyContext) throws(ConfigError) -> KeyToken {
        let start = position
        guard let first = peek() else {
            throw .syntax(context == .map ? "Unexpected EOF processing map." : "Unexpected EOF.", at: start)
        }
        if first == "=" || first == ":" {
            let punctuation = context == .map ? "." : ""
            throw .syntax("Unexpected key separator '\(first)'\(punctuation)", at: start)
        }
        if first == "\"" || first == "'" {
            advance()
            var key = ""
            while let scalar = peek(), scalar != first {
                key.unicodeScalars.append(scalar)
                advance()
            }
            guard peek() != nil else {
                let message: String
                switch context {
                case .topLevel: message = "Unexpected EOF."
                case .map where first == "\"": message = "Unexpected EOF processing double quoted map key."
                case .map: message = "Unexpected EOF processing quoted map key."
                }
                throw .syntax(message, at: position)
            }
            advance()
            return .key(key, start)
        }
        // A bare key runs to whitespace, a key separator or the end. Its first character is
        // taken whatever it is, as lex.go does (so `foo{` is a key).
        var key = String(first)
        advance()
        while let scalar = peek() {
            if Self.isUnicodeSpace(scalar) {
                if key.lowercased() == "include" {
                    skipSpacesAndTabs()
                    return try scanIncludePath(keywordPosition: start)
                }
                return .key(key, start)
            }
            if scalar == "=" || scalar == ":" { return .key(key, start) }
            key.unicodeScalars.append(scalar)
            advance()
        }
        if context == .map {
            throw .syntax("Unexpected EOF processing map key.", at: position)
        }
        return .key(key, start)
    }

    /// Reads the path after `include` (`lexInclude`): quoted without escapes, or bare up to
    /// whitespace, `;`, `}` or the end of the line.
    private mutating func scanIncludePath(keywordPosition: ConfigPosition) throws(ConfigError) -> KeyToken {
        let here = position
        guard let first = peek() else { return .include("", keywordPosition) }
        switch first {
        case "'", "\"":
            advance()
            var path = ""
            while let scalar = peek(), scalar != first {
                path.unicodeScalars.append(scalar)
                advance()
            }
            guard peek() != nil else {
                let kind = first == "'" ? "quoted" : "double quoted"
                throw .syntax("Unexpected EOF in \(kind) include", at: position)
            }
            advance()
            return .include(path, keywordPosition)
        case "[": throw .syntax("Expected include value but found start of an array", at: here)
        case "{": throw .syntax("Expected include value but found start of a map", at: here)
        case "(": throw .syntax("Expected include value but found start of a block", at: here)
        case "-": throw .syntax("Expected include value but found start of a number", at: here)
        case "\\": throw .syntax("Expected include value but found escape sequence", at: here)
        default:
            if Self.isDigit(first) {
                throw .syntax("Expected include value but found start of a number", at: here)
            }
            if Self.isNewline(first) {
                throw .syntax("Expected include value but found new line", at: here)
            }
        }
        var path = ""
        while let scalar = peek() {
            if Self.isNewline(scalar) || scalar == ";" || scalar == "}" || Self.isSpaceOrTab(scalar) { break }
            if scalar == "'" {
                advance()
                break
            }
            path.unicodeScalars.append(scalar)
            advance()
        }
        return .include(path, keywordPosition)
    }

    // MARK: Scalar values

    /// Reads a value that is not an array or a map: a quoted string, a `( ... )` block, a
    /// number, a date, an IP address or a bare string (which may turn out to be a Boolean or a
    /// `$VARIABLE`). At the end of the input this is an empty string, as in lex.go.
    mutating func scanScalar() throws(ConfigError) -> ConfigToken {
        let start = position
        guard let first = peek() else { return ConfigToken(kind: .string(""), position: start) }
        switch first {
        case "'":
            advance()
            var text = ""
            while let scalar = peek(), scalar != "'" {
                text.unicodeScalars.append(scalar)
                advance()
            }
            // Said at the opening quote (nats-server says it at the end of the file, where
            // nothing points at the cause).
            guard peek() != nil else { throw .syntax(Self.unterminatedMessage("single"), at: start) }
            advance()
            return ConfigToken(kind: .string(text), position: start)
        case "\"":
            advance()
            return ConfigToken(kind: .string(try scanDoubleQuotedString(openedAt: start)), position: start)
        case "-":
            advance()
            return try scanNegativeNumber(start: start)
        case "(":
            advance()
            return ConfigToken(kind: .string(try scanBlock()), position: start)
        case ".":
            throw .syntax("Floats must start with a digit", at: start)
        default:
            if Self.isNewline(first) { throw .syntax("Expected value but found new line", at: start) }
            if Self.isDigit(first) { return try scanNumberDateOrString(start: start) }
            return try scanBareString(start: start, prefix: "")
        }
    }

    /// The inside of a `"..."` string, whose opening quote is consumed (`lexDubQuotedString`).
    /// New lines are allowed inside; escapes are those of ``appendEscape(to:)``.
    private mutating func scanDoubleQuotedString(openedAt start: ConfigPosition) throws(ConfigError) -> String {
        var bytes: [UInt8] = []
        while let scalar = peek() {
            if scalar == "\"" {
                advance()
                return String(decoding: bytes, as: UTF8.self)
            }
            advance()
            if scalar == "\\" {
                try appendEscape(to: &bytes)
            } else {
                bytes.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        throw .syntax(Self.unterminatedMessage("double"), at: start)
    }

    static func unterminatedMessage(_ quote: String) -> String {
        "Unexpected EOF: the \(quote)-quoted string that starts here is never closed."
    }

    /// Reads the character after a backslash (`lexStringEscape`, `lexStringBinary`).
    /// `\xHH` adds one raw byte, so `"\xe2\x82\xac"` is "€".
    private mutating func appendEscape(to bytes: inout [UInt8]) throws(ConfigError) {
        let here = position
        guard let scalar = peek() else {
            throw .syntax(Self.invalidEscapeMessage("EOF"), at: here)
        }
        advance()
        switch scalar {
        case "t": bytes.append(0x09)
        case "n": bytes.append(0x0A)
        case "r": bytes.append(0x0D)
        case "\"": bytes.append(0x22)
        case "\\": bytes.append(0x5C)
        case "x":
            var digits = ""
            for _ in 0..<2 {
                guard let digit = peek(), !Self.isNewline(digit) else {
                    throw .syntax("Expected two hexadecimal digits after '\\x', but hit end of line", at: position)
                }
                digits.unicodeScalars.append(digit)
                advance()
            }
            guard digits.unicodeScalars.allSatisfy(\.isASCII), let byte = UInt8(digits, radix: 16) else {
                throw .syntax("Expected two hexadecimal digits after '\\x', but got '\(digits)'", at: here)
            }
            bytes.append(byte)
        default:
            throw .syntax(Self.invalidEscapeMessage(Self.describe(scalar)), at: here)
        }
    }

    private static func invalidEscapeMessage(_ character: String) -> String {
        "Invalid escape character '\(character)'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\."
    }

    /// A bare string (`lexString`), continuing `prefix` that a number scan already read.
    ///
    /// It ends at a new line, `;`, `,`, `]`, `}`, space, tab or the end; a `'` also ends it and
    /// is dropped. Without escapes, `true`/`no`/`on`... is a Boolean and `$NAME` a variable.
    private mutating func scanBareString(start: ConfigPosition, prefix: String) throws(ConfigError) -> ConfigToken {
        var bytes = Array(prefix.utf8)
        var hasEscapes = false
        while let scalar = peek() {
            if scalar == "\\" {
                advance()
                try appendEscape(to: &bytes)
                hasEscapes = true
                continue
            }
            if scalar == "'" {
                advance()
                return ConfigToken(kind: .string(String(decoding: bytes, as: UTF8.self)), position: start)
            }
            if Self.endsBareString(scalar) { break }
            bytes.append(contentsOf: Array(String(scalar).utf8))
            advance()
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if hasEscapes { return ConfigToken(kind: .string(text), position: start) }
        switch text.lowercased() {
        case "true", "false", "yes", "no", "on", "off":
            return ConfigToken(kind: .bool(text), position: start)
        default:
            if text.hasPrefix("$") {
                return ConfigToken(kind: .variable(String(text.dropFirst())), position: start)
            }
            return ConfigToken(kind: .string(text), position: start)
        }
    }

    /// A value starting with a digit (`lexNumberOrDateOrStringOrIP`): an integer, a sized
    /// integer (`64MB`), a float, an IP address (`127.0.0.1:4222`), a date, or a string that
    /// merely starts with digits (`10s`, `1h30m`).
    private mutating func scanNumberDateOrString(start: ConfigPosition) throws(ConfigError) -> ConfigToken {
        var text = ""
        while let scalar = peek() {
            if Self.isDigit(scalar) {
                text.unicodeScalars.append(scalar)
                advance()
                continue
            }
            if scalar == "-" {
                // Only exactly four digits then '-' can start a date.
                guard text.unicodeScalars.count == 4 else {
                    advance()
                    throw .syntax("All ISO8601 dates must be in full Zulu form.", at: position)
                }
                text.unicodeScalars.append(scalar)
                advance()
                return try scanDateAfterYear(start: start, year: text)
            }
            if scalar == "." {
                text.unicodeScalars.append(scalar)
                advance()
                return try scanFloatOrAddress(start: start, text: text)
            }
            if Self.isSizeSuffix(scalar) {
                text.unicodeScalars.append(scalar)
                advance()
                return try scanSizeSuffix(start: start, text: text)
            }
            if Self.endsInteger(scalar) { break }
            // Anything else makes it a string; lex.go has already taken this character, so it
            // is kept literally even when it is a '\' or a ']'.
            text.unicodeScalars.append(scalar)
            advance()
            return try scanBareString(start: start, prefix: text)
        }
        return ConfigToken(kind: .integer(text), position: start)
    }

    /// After the `-` of a negative number (`lexNegNumberStart`, `lexNegNumber`). Unlike a
    /// positive number, any other character simply ends it.
    private mutating func scanNegativeNumber(start: ConfigPosition) throws(ConfigError) -> ConfigToken {
        guard let first = peek(), Self.isDigit(first) else {
            let here = position
            let found = peek()
            advance()
            if found == "." { throw .syntax("Floats must start with a digit, not '.'.", at: here) }
            throw .syntax("Expected a digit but got '\(Self.describe(found))'.", at: here)
        }
        var text = "-"
        while let scalar = peek() {
            if Self.isDigit(scalar) {
                text.unicodeScalars.append(scalar)
                advance()
            } else if scalar == "." {
                text.unicodeScalars.append(scalar)
                advance()
                return try scanFloatOrAddress(start: start, text: text)
            } else if Self.isSizeSuffix(scalar) {
                text.unicodeScalars.append(scalar)
                advance()
                return try scanSizeSuffix(start: start, text: text)
            } else {
                break
            }
        }
        return ConfigToken(kind: .integer(text), position: start)
    }

    /// After a size letter (`lexConvenientNumber`): `b` and `i` may follow (`kb`, `KiB`).
    private mutating func scanSizeSuffix(start: ConfigPosition, text: String) throws(ConfigError) -> ConfigToken {
        var text = text
        while let scalar = peek(), scalar == "b" || scalar == "B" || scalar == "i" || scalar == "I" {
            text.unicodeScalars.append(scalar)
            advance()
        }
        if let next = peek(), !Self.endsInteger(next), !Self.isDigit(next) {
            // `1ms` or `5min`: not a size, so the whole thing is a string.
            return try scanBareString(start: start, prefix: text)
        }
        return ConfigToken(kind: .integer(text), position: start)
    }

    /// After the `.` of a number (`lexFloatStart`, `lexFloat`, `lexIPAddr`).
    private mutating func scanFloatOrAddress(start: ConfigPosition, text: String) throws(ConfigError) -> ConfigToken {
        guard let first = peek(), Self.isDigit(first) else {
            let here = position
            let found = peek()
            advance()
            throw .syntax("Floats must have a digit after the '.', but got '\(Self.describe(found))' instead.", at: here)
        }
        var text = text
        while let scalar = peek(), Self.isDigit(scalar) {
            text.unicodeScalars.append(scalar)
            advance()
        }
        guard peek() == "." else { return ConfigToken(kind: .float(text), position: start) }
        // A second '.' makes it an address such as 127.0.0.1 or 10.0.0.1:4222.
        while let scalar = peek(), Self.isDigit(scalar) || scalar == "." || scalar == ":" || scalar == "-" {
            text.unicodeScalars.append(scalar)
            advance()
        }
        return ConfigToken(kind: .string(text), position: start)
    }

    /// After `YYYY-` (`lexDateAfterYear`): exactly `MM-DDTHH:MM:SSZ` must follow.
    private mutating func scanDateAfterYear(start: ConfigPosition, year: String) throws(ConfigError) -> ConfigToken {
        var text = year
        for expected in "00-00T00:00:00Z".unicodeScalars {
            let here = position
            let found = peek()
            advance()
            if expected == "0" {
                guard let found, Self.isDigit(found) else {
                    throw .syntax("Expected digit in ISO8601 datetime, but found '\(Self.describe(found))' instead.", at: here)
                }
            } else if found != expected {
                throw .syntax("Expected '\(expected)' in ISO8601 datetime, but found '\(Self.describe(found))' instead.", at: here)
            }
            text.unicodeScalars.append(found!)
        }
        return ConfigToken(kind: .datetime(text), position: start)
    }

    /// The inside of a `( ... )` block (`lexBlock`): raw text up to a `)` alone on its line.
    /// The text keeps its new lines, including the one before the closing `)`.
    private mutating func scanBlock() throws(ConfigError) -> String {
        var text = ""
        while let scalar = peek() {
            if scalar == ")", index > 0, scalars[index - 1] == "\n", peek(1) == nil || peek(1) == "\n" {
                advance()
                return text
            }
            text.unicodeScalars.append(scalar)
            advance()
        }
        throw .syntax("Unexpected EOF processing block.", at: position)
    }

    // MARK: Character classes

    static func isSpaceOrTab(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t"
    }

    static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r"
    }

    /// Go's `unicode.IsSpace`: the Unicode White_Space property.
    static func isUnicodeSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// Go's `unicode.IsDigit`: any decimal digit.
    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar) || (!scalar.isASCII && scalar.properties.numericType == .decimal)
    }

    /// The letters that make a number a size (`isNumberSuffix`).
    static func isSizeSuffix(_ scalar: Unicode.Scalar) -> Bool {
        "kKmMgGtTpPeE".unicodeScalars.contains(scalar)
    }

    /// What ends an unquoted number. A `]` is not among them in lex.go, so `[1, 2]` makes the
    /// second element the string "2]" and the array is unterminated.
    static func endsInteger(_ scalar: Unicode.Scalar) -> Bool {
        isNewline(scalar) || scalar == "}" || scalar == ";" || scalar == "," || isSpaceOrTab(scalar)
    }

    static func endsBareString(_ scalar: Unicode.Scalar) -> Bool {
        isNewline(scalar) || scalar == ";" || scalar == "," || scalar == "]" || scalar == "}" || isSpaceOrTab(scalar)
    }

    /// A character as error messages show it: `\n` for a new line, `EOF` for the end.
    static func describe(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "EOF" }
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: return String(scalar)
        }
    }
}
