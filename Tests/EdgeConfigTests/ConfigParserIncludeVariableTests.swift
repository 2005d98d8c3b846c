import Testing

@testable import EdgeConfig

/// `include` statements and `$VARIABLE` references, with injected files and environment.
@Suite("ConfigParser includes and variables")
struct ConfigParserIncludeVariableTests {
    static func parser(files: [String: String], environment: [String: String] = [:]) -> ConfigParser {
        ConfigParser(
            readFile: { path in
                guard let text = files[path] else { throw ConfigError(.include, "open \(path): no such file or directory") }
                return text
            },
            environment: { environment[$0] }
        )
    }

    @Test("includes are relative to the including file's directory and merge into the current map")
    func relativeIncludes() throws {
        let files = [
            "etc/outpost/main.conf": "port: 1\ninclude 'sub/auth.conf'\nauthorization { include \"users.conf\"; timeout: 2 }",
            "etc/outpost/sub/auth.conf": "debug: true\ninclude ../more.conf",
            "etc/outpost/more.conf": "trace: true",
            "etc/outpost/users.conf": "user: admin\npassword: secret",
        ]
        let map = try Self.parser(files: files).parse(file: "etc/outpost/main.conf")
        #expect(map.keys == ["port", "debug", "trace", "authorization"])
        #expect(map["trace"]?.position == ConfigPosition(file: "etc/outpost/more.conf", line: 1, column: 8))
        let authorization = try #require(map["authorization"]?.mapValue)
        #expect(authorization["user"]?.stringValue == "admin")
        #expect(authorization["password"]?.position.file == "etc/outpost/users.conf")
        #expect(authorization["timeout"]?.integerValue == 2)
    }

    @Test("an include can be overridden by a later key, and overrides an earlier one")
    func includeOrder() throws {
        let files = ["a.conf": "port: 1\ninclude b.conf\nhost: late", "b.conf": "port: 2\nhost: early"]
        let map = try Self.parser(files: files).parse(file: "a.conf")
        #expect(map["port"]?.integerValue == 2)
        #expect(map["host"]?.stringValue == "late")
    }

    @Test("a missing include names the statement and the reader's error")
    func missingInclude() {
        do {
            _ = try Self.parser(files: ["a.conf": "port: 1\n  include 'nope.conf'"]).parse(file: "a.conf")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .include)
            #expect(error.position == ConfigPosition(file: "a.conf", line: 2, column: 3))
            #expect(error.message == "error parsing include file 'nope.conf', open nope.conf: no such file or directory")
        }
    }

    @Test("a syntax error in an included file is reported in that file")
    func errorInInclude() {
        do {
            _ = try Self.parser(files: ["a.conf": "include b.conf", "b.conf": "\nx = [1, 2]"]).parse(file: "a.conf")
            Issue.record("expected an error")
        } catch {
            #expect(error.position?.file == "b.conf")
            #expect(error.position?.line == 2)
        }
    }

    @Test("include cycles end with an error instead of a crash")
    func includeCycle() {
        do {
            _ = try Self.parser(files: ["a.conf": "include b.conf", "b.conf": "include a.conf"]).parse(file: "a.conf")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .include)
            #expect(error.message.contains("include cycle"))
        }
    }

    @Test("include path errors are worded as in lex.go")
    func includeSyntax() {
        let parser = Self.parser(files: [:])
        #expect(throws: ConfigError.self) { try parser.parse(text: "include\n\"x.conf\"") }
        do {
            _ = try parser.parse(text: "include [x]")
        } catch {
            #expect(error.message == "Expected include value but found start of an array")
        }
        do {
            _ = try parser.parse(text: "include 'x.conf")
        } catch {
            #expect(error.message == "Unexpected EOF in quoted include")
        }
    }

    @Test("'include' directly followed by a separator is an ordinary key; after a space it is the keyword")
    func includeAsKey() throws {
        let map = try Self.parser(files: [:]).parse(text: "include: 5\nx { include= 6 }")
        #expect(map["include"]?.integerValue == 5)
        #expect(map["x"]?.mapValue?["include"]?.integerValue == 6)
        // As in lex.go, `include = 5` includes a file named "=".
        do {
            _ = try Self.parser(files: [:]).parse(text: "include = 5")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("error parsing include file '='"))
        }
    }

    @Test("variables are block scoped: the innermost enclosing definition wins")
    func blockScopedVariables() throws {
        let map = try Self.parser(files: [:]).parse(
            text: """
                NAME = outer
                PORT = 4222
                port = $PORT
                inner {
                  NAME = inner
                  value = $NAME
                  list = [ { deeper = $NAME } ]
                }
                after = $NAME
                """,
            file: "v.conf"
        )
        #expect(map["port"]?.integerValue == 4222)
        #expect(map["port"]?.position == ConfigPosition(file: "v.conf", line: 3, column: 8))
        #expect(map["inner"]?.mapValue?["value"]?.stringValue == "inner")
        #expect(map["inner"]?.mapValue?["list"]?.arrayValue?.first?.mapValue?["deeper"]?.stringValue == "inner")
        #expect(map["after"]?.stringValue == "outer")
        #expect(map.entry(forKey: "NAME")?.isReferencedAsVariable == true)
        #expect(map.entry(forKey: "port")?.isReferencedAsVariable == false)
    }

    @Test("variables may hold maps and arrays")
    func structuredVariables() throws {
        let map = try Self.parser(files: [:]).parse(
            text: "PERMS = { publish = \">\" }\nusers = [ {user: a, permissions: $PERMS} ]"
        )
        let user = try #require(map["users"]?.arrayValue?.first?.mapValue)
        #expect(user["permissions"]?.mapValue?["publish"]?.stringValue == ">")
    }

    @Test("undefined in the file: the environment is used, and its value is parsed")
    func environmentVariables() throws {
        let map = try Self.parser(
            files: [:], environment: ["PORT": "4333", "NAME": "\"edge one\"", "SIZE": "2MB", "LIST": "[a, b]", "REF": "$PORT"]
        )
        .parse(text: "port = $PORT\nname = $NAME\nsize = $SIZE\nlist = $LIST\nref = $REF", file: "e.conf")
        #expect(map["port"]?.integerValue == 4333)
        #expect(map["port"]?.position == ConfigPosition(file: "e.conf", line: 1, column: 8))
        #expect(map["name"]?.stringValue == "edge one")
        #expect(map["size"]?.integerValue == 2 << 20)
        #expect(map["list"]?.arrayValue?.compactMap(\.stringValue) == ["a", "b"])
        #expect(map["ref"]?.integerValue == 4333)
    }

    @Test("an environment value that is not a single value is an error, as in nats-server")
    func unparsableEnvironmentValue() {
        do {
            _ = try Self.parser(files: [:], environment: ["NAME": "edge one"]).parse(text: "name = $NAME")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .variable)
            #expect(error.message.hasPrefix("variable reference for 'NAME' could not be parsed: Expected a top-level value"))
        }
    }

    @Test("a missing variable is an error naming it")
    func missingVariable() {
        do {
            _ = try Self.parser(files: [:]).parse(text: "a = 1\nb = $NOPE", file: "x.conf")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .variable)
            #expect(error.description == "x.conf:2:5: variable reference for 'NOPE' can not be found")
        }
    }

    @Test("environment variable cycles are detected")
    func environmentCycle() {
        do {
            _ = try Self.parser(files: [:], environment: ["A": "$B", "B": "$A"]).parse(text: "a = $A")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .variable)
            #expect(error.message.contains("variable reference cycle"))
        }
    }

    @Test("an unquoted bcrypt hash is a string, not a variable")
    func bcrypt() throws {
        let map = try Self.parser(files: [:]).parse(text: "password: $2a$11$dZM98SpGeI7dCFFGSpt.JObQcix8YHml4TBUZoge9R1uxnMIln5ly")
        #expect(map["password"]?.stringValue == "$2a$11$dZM98SpGeI7dCFFGSpt.JObQcix8YHml4TBUZoge9R1uxnMIln5ly")
    }

    @Test("the default parser reads no files")
    func noFileReader() {
        #expect(throws: ConfigError.self) { try ConfigParser().parse(file: "outpost.conf") }
    }
}
