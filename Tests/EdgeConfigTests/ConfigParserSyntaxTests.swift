import Testing

@testable import EdgeConfig

/// Syntax forms of the nats-server configuration format, checked value by value.
@Suite("ConfigParser syntax")
struct ConfigParserSyntaxTests {
    static func parse(_ text: String, file: String = "test.conf") throws(ConfigError) -> ConfigMap {
        try ConfigParser().parse(text: text, file: file)
    }

    static func syntaxError(_ text: String) -> ConfigError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("key and value may be separated by '=', ':' or white space")
    func separators() throws {
        let map = try Self.parse("a = 1\nb: 2\nc 3\nd=4\ne:5\nf\t6")
        #expect(map.keys == ["a", "b", "c", "d", "e", "f"])
        #expect(map["a"]?.integerValue == 1)
        #expect(map["b"]?.integerValue == 2)
        #expect(map["c"]?.integerValue == 3)
        #expect(map["d"]?.integerValue == 4)
        #expect(map["e"]?.integerValue == 5)
        #expect(map["f"]?.integerValue == 6)
    }

    @Test("without a separator the value may start on a later line")
    func valueOnLaterLine() throws {
        let map = try Self.parse("a\n\n  1")
        #expect(map["a"]?.integerValue == 1)
        #expect(Self.syntaxError("a =\n1")?.message == "Expected value but found new line")
    }

    @Test("comments start with '#' or '//', anywhere a value may end")
    func comments() throws {
        let map = try Self.parse(
            """
            # first
            // second
            a = 1 # trailing
            b = foo // trailing
            c = foo#bar
            d = [ # in an array
              x // after x
              y
            ]
            e { # in a map
              f: 1 // after f
            }
            """
        )
        #expect(map["a"]?.integerValue == 1)
        #expect(map["b"]?.stringValue == "foo")
        #expect(map["c"]?.stringValue == "foo#bar")
        #expect(map["d"]?.arrayValue?.compactMap(\.stringValue) == ["x", "y"])
        #expect(map["e"]?.mapValue?["f"]?.integerValue == 1)
    }

    @Test("strings: double quoted with escapes, single quoted raw, bare")
    func strings() throws {
        let map = try Self.parse(
            #"""
            a = "tab\tnew\nquote\"back\\hex\x41"
            b = 'raw \t $NOT_A_VARIABLE'
            c = bare-string.with:colons
            d = "€ \xe2\x82\xac"
            e = C:\temp
            f = "multi
            line"
            """#
        )
        #expect(map["a"]?.stringValue == "tab\tnew\nquote\"back\\hexA")
        #expect(map["b"]?.stringValue == #"raw \t $NOT_A_VARIABLE"#)
        #expect(map["c"]?.stringValue == "bare-string.with:colons")
        #expect(map["d"]?.stringValue == "€ €")
        #expect(map["e"]?.stringValue == "C:\temp")
        #expect(map["f"]?.stringValue == "multi\nline")
    }

    @Test("escape errors are worded as in lex.go")
    func escapeErrors() {
        #expect(
            Self.syntaxError(#"a = "bad\q""#)?.message
                == #"Invalid escape character 'q'. Only the following escape characters are allowed: \xXX, \t, \n, \r, \", \\."#
        )
        #expect(Self.syntaxError(#"a = "\xZZ""#)?.message == #"Expected two hexadecimal digits after '\x', but got 'ZZ'"#)
        #expect(Self.syntaxError(#"a = C:\data"#)?.message.hasPrefix("Invalid escape character 'd'") == true)
    }

    @Test("integers with size suffixes: k/m/g/t/p/e are 1000s, kb/ki/kib and so on are 1024s")
    func sizeSuffixes() throws {
        let map = try Self.parse(
            """
            plain = 42
            negative = -7
            k = 2k
            K = 2K
            kb = 2kb
            KiB = 2KiB
            ki = 2ki
            m = 3m
            mb = 3MB
            mib = 3mib
            g = 1g
            gb = 1GB
            t = 1t
            tb = 1tb
            p = 1p
            pb = 1pb
            e = 1e
            eb = 1eb
            negk = -2k
            max = 9223372036854775807
            """
        )
        let expected: [String: Int64] = [
            "plain": 42, "negative": -7, "k": 2_000, "K": 2_000, "kb": 2_048, "KiB": 2_048, "ki": 2_048,
            "m": 3_000_000, "mb": 3 * 1_048_576, "mib": 3 * 1_048_576, "g": 1_000_000_000, "gb": 1 << 30,
            "t": 1_000_000_000_000, "tb": 1 << 40, "p": 1_000_000_000_000_000, "pb": 1 << 50,
            "e": 1_000_000_000_000_000_000, "eb": 1 << 60, "negk": -2_000, "max": Int64.max,
        ]
        for (key, value) in expected {
            #expect(map[key]?.integerValue == value, "\(key)")
        }
    }

    @Test("integers out of range are errors")
    func integerRange() {
        #expect(Self.syntaxError("a = 9223372036854775808")?.message == "integer '9223372036854775808' is out of the range")
        #expect(Self.syntaxError("a = 9000000000000000000k")?.message == "integer '9000000000000000000k' is out of the range")
    }

    @Test("things that start with digits but are not numbers are strings (durations, addresses)")
    func digitStrings() throws {
        let map = try Self.parse(
            """
            a = 10s
            b = 1h30m
            c = 300ms
            d = 5min
            e = 127.0.0.1:4222
            f = 0.0.0.0
            g = 1\\x
            """
        )
        #expect(map["a"]?.stringValue == "10s")
        #expect(map["b"]?.stringValue == "1h30m")
        #expect(map["c"]?.stringValue == "300ms")
        #expect(map["d"]?.stringValue == "5min")
        #expect(map["e"]?.stringValue == "127.0.0.1:4222")
        #expect(map["f"]?.stringValue == "0.0.0.0")
        #expect(map["g"]?.stringValue == #"1\x"#)
        // `2m` is two million (m = mega), exactly as in nats-server.
        #expect(try Self.parse("a = 2m")["a"]?.integerValue == 2_000_000)
    }

    @Test("floats")
    func floats() throws {
        let map = try Self.parse("a = 2.5\nb = -0.25\nc = [1.5]")
        #expect(map["a"]?.floatValue == 2.5)
        #expect(map["b"]?.floatValue == -0.25)
        #expect(map["c"]?.arrayValue?.first?.floatValue == 1.5)
        #expect(Self.syntaxError("a = .5")?.message == "Floats must start with a digit")
        #expect(Self.syntaxError("a = 1.")?.message == "Floats must have a digit after the '.', but got 'EOF' instead.")
        #expect(Self.syntaxError("a = 1.5s")?.message.hasSuffix("but got 's' instead.") == true)
    }

    @Test("booleans: true/false/yes/no/on/off in any case, unquoted only")
    func booleans() throws {
        let map = try Self.parse(
            "a = true\nb = FALSE\nc = Yes\nd = no\ne = ON\nf = off\ng = \"true\"\nh = truth"
        )
        #expect(map["a"]?.boolValue == true)
        #expect(map["b"]?.boolValue == false)
        #expect(map["c"]?.boolValue == true)
        #expect(map["d"]?.boolValue == false)
        #expect(map["e"]?.boolValue == true)
        #expect(map["f"]?.boolValue == false)
        #expect(map["g"]?.stringValue == "true")
        #expect(map["h"]?.stringValue == "truth")
    }

    @Test("datetimes in full ISO 8601 Zulu form")
    func datetimes() throws {
        let map = try Self.parse("a = 2016-05-04T18:53:41Z")
        guard case .datetime(let datetime) = map["a"]?.kind else {
            Issue.record("not a datetime: \(String(describing: map["a"]))")
            return
        }
        #expect(datetime.description == "2016-05-04T18:53:41Z")
        #expect(datetime.hour == 18)
        #expect(Self.syntaxError("a = 2016-05-04")?.message == "Expected 'T' in ISO8601 datetime, but found 'EOF' instead.")
        #expect(Self.syntaxError("a = 10-20")?.message == "All ISO8601 dates must be in full Zulu form.")
        #expect(
            Self.syntaxError("a = 2016-02-30T00:00:00Z")?.message
                == "expected Zulu formatted DateTime, but got '2016-02-30T00:00:00Z'"
        )
    }

    @Test("arrays: commas or new lines between items, trailing comma allowed, nesting")
    func arrays() throws {
        let map = try Self.parse(
            """
            a = [1, 2 ]
            b = [
              x
              "y", 'z',
            ]
            c = [[], [a], {k: v}]
            d = []
            """
        )
        #expect(map["a"]?.arrayValue?.compactMap(\.integerValue) == [1, 2])
        #expect(map["b"]?.arrayValue?.compactMap(\.stringValue) == ["x", "y", "z"])
        let nested = try #require(map["c"]?.arrayValue)
        #expect(nested.count == 3)
        #expect(nested[0].arrayValue == [])
        #expect(nested[1].arrayValue?.first?.stringValue == "a")
        #expect(nested[2].mapValue?["k"]?.stringValue == "v")
        #expect(map["d"]?.arrayValue?.isEmpty == true)
    }

    @Test("an integer directly before ']' is not terminated, as in lex.go")
    func integerBeforeArrayEnd() {
        #expect(
            Self.syntaxError("a = [1, 2]")?.message
                == #"Expected an array value terminator "," or an array terminator "]", but got 'EOF' instead."#
        )
        #expect(Self.syntaxError("a = [ , ]")?.message == "Unexpected array value terminator ','.")
        #expect(Self.syntaxError("a = [ 1 2 ]")?.message.hasSuffix("but got '2' instead.") == true)
    }

    @Test("maps: with or without separator, entries separated by ',', ';' or new lines")
    func maps() throws {
        let map = try Self.parse(
            """
            a { b = 1, c = 2 }
            d = { e: 1; f: 2 }
            g: {
              h = 1
              i {
                j: [1 , {k: l}]
              }
            }
            m {}
            n {
              o =
                5
            }
            """
        )
        #expect(map["a"]?.mapValue?.keys == ["b", "c"])
        #expect(map["d"]?.mapValue?["f"]?.integerValue == 2)
        let inner = try #require(map["g"]?.mapValue?["i"]?.mapValue?["j"]?.arrayValue)
        #expect(inner.last?.mapValue?["k"]?.stringValue == "l")
        #expect(map["m"]?.mapValue?.isEmpty == true)
        #expect(map["n"]?.mapValue?["o"]?.integerValue == 5)
    }

    @Test("map syntax errors are worded as in lex.go")
    func mapErrors() {
        #expect(
            Self.syntaxError("a { b 1 c 2 }")?.message
                == #"Expected a map value terminator "," or a map terminator "}", but got 'c' instead."#
        )
        #expect(Self.syntaxError("a = { b = , }")?.message == #"Unexpected map value terminator ",""# + ".")
        #expect(Self.syntaxError("a = { = 1 }")?.message == "Unexpected key separator '='.")
        #expect(Self.syntaxError("a = { ] }")?.message == "Unexpected array end ']' processing map.")
        #expect(Self.syntaxError("a {b = 1")?.message.hasSuffix("but got 'EOF' instead.") == true)
    }

    @Test("quoted keys and keys with dots (dots are plain characters, not nesting)")
    func keys() throws {
        let map = try Self.parse("\"quoted key\" = 1\n'single key': 2\na.b.c = 3\nUpper = 4")
        #expect(map.keys == ["quoted key", "single key", "a.b.c", "Upper"])
        #expect(map["a.b.c"]?.integerValue == 3)
    }

    @Test("a later assignment of the same key wins")
    func duplicateKeys() throws {
        let map = try Self.parse("a = 1\nb = 2\na = 3")
        #expect(map.keys == ["a", "b"])
        #expect(map["a"]?.integerValue == 3)
    }

    @Test("';' and ',' end top-level values too")
    func topLevelTerminators() throws {
        let map = try Self.parse("a = b;c = d, e = f")
        #expect(map["a"]?.stringValue == "b")
        #expect(map["c"]?.stringValue == "d")
        #expect(map["e"]?.stringValue == "f")
        #expect(Self.syntaxError("a: b: c")?.message.hasSuffix("but got 'c' instead.") == true)
    }

    @Test("block strings run to a ')' alone on its line")
    func blockStrings() throws {
        let map = try Self.parse("a = (\nline one\n  line (two)\n)\nb = 1")
        #expect(map["a"]?.stringValue == "\nline one\n  line (two)\n")
        #expect(map["b"]?.integerValue == 1)
        #expect(Self.syntaxError("a = (\nno end")?.message == "Unexpected EOF processing block.")
    }

    @Test("an unterminated string is reported at its opening quote, not at the end of the file")
    func unterminatedString() throws {
        for (quote, name) in [("\"", "double"), ("'", "single")] {
            let error = try #require(Self.syntaxError("port: 4222\nserver_name: \(quote)abc\nmax_payload: 1MB\n"))
            #expect(error.message == "Unexpected EOF: the \(name)-quoted string that starts here is never closed.")
            #expect(error.position?.line == 2 && error.position?.column == 14, "\(String(describing: error.position))")
        }
    }

    @Test("a top-level document may be wrapped in braces, JSON-like (nats-server 2.10+)")
    func topLevelBraces() throws {
        let map = try Self.parse(#"{ "port": 4222, "debug": true, "jetstream": { "max_mem": 1GB } }"#)
        #expect(map["port"]?.integerValue == 4222)
        #expect(map["debug"]?.boolValue == true)
        #expect(map["jetstream"]?.mapValue?["max_mem"]?.integerValue == 1 << 30)
        // After a nested block only '}', ',' or ';' may follow (lex.go `lexBlockEnd`).
        let nested = try Self.parse("{\n  { a = 1 },\n  b = 2\n}")
        #expect(nested["a"]?.integerValue == 1)
        #expect(nested["b"]?.integerValue == 2)
        #expect(
            Self.syntaxError("{\n  { a = 1 }\n  b = 2\n}")?.message
                == "Expected a block-level to end with a '}', but got 'b' instead."
        )
    }

    @Test("a key without a value at the end is an error (nats-server 2.10+)")
    func keyAtEnd() {
        let error = Self.syntaxError("port = 1\ndebug")
        #expect(error?.message.hasPrefix("config is invalid") == true)
        #expect(error?.position == ConfigPosition(file: "test.conf", line: 2, column: 1))
    }

    @Test("an empty value at the end of the file is the empty string, as in lex.go")
    func emptyValueAtEnd() throws {
        #expect(try Self.parse("a =")["a"]?.stringValue == "")
    }

    @Test("windows line endings are accepted")
    func crlf() throws {
        let map = try Self.parse("a: 1\r\nb: two\r\n")
        #expect(map["a"]?.integerValue == 1)
        #expect(map["b"]?.stringValue == "two")
    }

    @Test("nesting is bounded")
    func nestingLimit() {
        let deep = "a = " + String(repeating: "[", count: ConfigParser.nestingDepthMax + 1)
        #expect(Self.syntaxError(deep)?.message.contains("nest deeper") == true)
    }
}
