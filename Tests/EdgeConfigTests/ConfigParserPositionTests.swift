import Testing

@testable import EdgeConfig

/// Values, keys and errors carry file, line and column.
@Suite("ConfigParser positions")
struct ConfigParserPositionTests {
    @Test("values and keys know their line and column")
    func valuePositions() throws {
        let text = """
            port: 4222
              server_name = "edge"
            jetstream {
                max_mem: 1GB
            }
            tags: [a,
               b]
            """
        let map = try ConfigParser().parse(text: text, file: "dir/outpost.conf")
        func position(_ line: Int, _ column: Int) -> ConfigPosition {
            ConfigPosition(file: "dir/outpost.conf", line: line, column: column)
        }
        #expect(map.entry(forKey: "port")?.keyPosition == position(1, 1))
        #expect(map["port"]?.position == position(1, 7))
        #expect(map.entry(forKey: "server_name")?.keyPosition == position(2, 3))
        #expect(map["server_name"]?.position == position(2, 17))
        #expect(map["jetstream"]?.position == position(3, 11))
        let jetstream = try #require(map["jetstream"]?.mapValue)
        #expect(jetstream.entry(forKey: "max_mem")?.keyPosition == position(4, 5))
        #expect(jetstream["max_mem"]?.position == position(4, 14))
        let tags = try #require(map["tags"]?.arrayValue)
        #expect(tags[0].position == position(6, 8))
        #expect(tags[1].position == position(7, 4))
    }

    @Test("columns count characters, not bytes")
    func unicodeColumns() throws {
        let map = try ConfigParser().parse(text: "a = \"é€\"; b = 1", file: "u.conf")
        #expect(map["b"]?.position == ConfigPosition(file: "u.conf", line: 1, column: 15))
    }

    @Test("syntax errors name file, line and column")
    func errorPositions() {
        do {
            _ = try ConfigParser().parse(text: "port: 4222\nhost: 0.0.0.0 extra\n", file: "bad.conf")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.position == ConfigPosition(file: "bad.conf", line: 2, column: 15))
            #expect(
                error.description
                    == "bad.conf:2:15: Expected a top-level value to end with a new line, comment or EOF, but got 'e' instead."
            )
        }
    }

    @Test("an error inside a map points at the offending character")
    func nestedErrorPosition() {
        do {
            _ = try ConfigParser().parse(text: "a {\n  b: 1\n  c: \"x\" d\n}", file: "m.conf")
            Issue.record("expected an error")
        } catch {
            #expect(error.position == ConfigPosition(file: "m.conf", line: 3, column: 10))
        }
    }
}
