import Testing

@testable import EdgeConfig

/// Short texts whose verdict (parses or not) was taken from the reference server with
/// `nats-server -t -c` (2.9.10): a syntax error there is "Parse error", "config is invalid",
/// an out-of-range integer or a bad date; anything else only failed later, in opts.go.
@Suite("Syntax verdicts agree with nats-server")
struct ReferenceVerdictTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let isAccepted: Bool
        var testDescription: String { text.debugDescription }
    }

    static let cases: [Case] = [
        Case(text: "a = [1, 2]", isAccepted: false),
        Case(text: "a = [1, 2 ]", isAccepted: true),
        Case(text: "a = [1,2,3,]", isAccepted: true),
        Case(text: "a = [ \"x\", 'y', z ]", isAccepted: true),
        Case(text: "a = [\n  1\n  2\n]", isAccepted: true),
        Case(text: "a = 1.5s", isAccepted: false),
        Case(text: "a = 10s", isAccepted: true),
        Case(text: "a = 1h30m", isAccepted: true),
        Case(text: "a = 300ms", isAccepted: true),
        Case(text: "a = 2m", isAccepted: true),
        Case(text: "a = 1KiB", isAccepted: true),
        Case(text: "a = 1k5", isAccepted: false),
        Case(text: "a = -1.5", isAccepted: true),
        Case(text: "a = -abc", isAccepted: false),
        Case(text: "a = .5", isAccepted: false),
        Case(text: "a = 1.", isAccepted: false),
        Case(text: "a = 127.0.0.1:4222", isAccepted: true),
        Case(text: "a = 2016-05-04T18:53:41Z", isAccepted: true),
        Case(text: "a = 2016-05-04", isAccepted: false),
        Case(text: "a = 2016-13-04T18:53:41Z", isAccepted: false),
        Case(text: "a = 10-20", isAccepted: false),
        Case(text: "a = \"unterminated", isAccepted: false),
        Case(text: "a = 'unterminated", isAccepted: false),
        Case(text: #"a = "tab\tand\x41""#, isAccepted: true),
        Case(text: #"a = "bad\q""#, isAccepted: false),
        Case(text: #"a = "\xZZ""#, isAccepted: false),
        Case(text: #"a = bare\tescape"#, isAccepted: true),
        Case(text: #"a = C:\data"#, isAccepted: false),
        Case(text: #"a = 1\x"#, isAccepted: true),
        Case(text: "a = foo#bar", isAccepted: true),
        Case(text: "a = foo #comment", isAccepted: true),
        Case(text: "a = foo // comment", isAccepted: true),
        Case(text: "a { b = 1, c = 2 }", isAccepted: true),
        Case(text: "a { b = 1; c = 2 }", isAccepted: true),
        Case(text: "a {\n b = 1\n c: 2\n}", isAccepted: true),
        Case(text: "a { b 1 c 2 }", isAccepted: false),
        Case(text: "a {b = 1", isAccepted: false),
        Case(text: "a = { b = , }", isAccepted: false),
        Case(text: "a = { = 1 }", isAccepted: false),
        Case(text: "a = { ] }", isAccepted: false),
        Case(text: "a = [ , ]", isAccepted: false),
        Case(text: "a = [ 1 2 ]", isAccepted: false),
        Case(text: "a: b: c", isAccepted: false),
        Case(text: "a = b c", isAccepted: false),
        Case(text: "a b = 1", isAccepted: false),
        Case(text: "a = b;c = d", isAccepted: true),
        Case(text: "a = b, c = d", isAccepted: true),
        Case(text: "a = (\nline one\nline two\n)", isAccepted: true),
        Case(text: "a = (\nno end", isAccepted: false),
        Case(text: "a =\n1", isAccepted: false),
        Case(text: "a\n\n1", isAccepted: true),
        Case(text: "a 1 # c\nb 2 // d", isAccepted: true),
        Case(text: "a: true\nb: YES\nc: off", isAccepted: true),
        Case(text: "a: $b", isAccepted: false),
        Case(text: "x = 1\na = $x", isAccepted: true),
        Case(text: "a = $", isAccepted: false),
        Case(text: "a = 'x'y", isAccepted: false),
        Case(text: "a = x'y", isAccepted: false),
        Case(text: "a = \"x\"y", isAccepted: false),
        Case(text: "a = {b: {c: {d: [1 , {e: f}]}}}", isAccepted: true),
        Case(text: "\"quoted key\" = 1", isAccepted: true),
        Case(text: "'single key': 2", isAccepted: true),
        Case(text: "a.b.c = 1", isAccepted: true),
        Case(text: "a = 1ms", isAccepted: true),
        Case(text: "a = 5min", isAccepted: true),
        Case(text: "a = 9223372036854775807", isAccepted: true),
        Case(text: "a = 9223372036854775808", isAccepted: false),
        Case(text: "a = 8e", isAccepted: true),
        Case(text: "a = 8ek", isAccepted: true),
        Case(text: "a = [1]", isAccepted: false),
        Case(text: "a = [a]", isAccepted: true),
        Case(text: "a = [true]", isAccepted: true),
        Case(text: "a = [1.5]", isAccepted: true),
        Case(text: "a = \"x\"]", isAccepted: false),
        Case(text: "a = {}", isAccepted: true),
        Case(text: "a = [[]]", isAccepted: true),
        Case(text: "a = b /", isAccepted: true),
        Case(text: "a = b / c", isAccepted: false),
        Case(text: "a: 1 /x", isAccepted: false),
        Case(text: "a = [ x / y ]", isAccepted: true),
        Case(text: "b { c: 1 / d: 2 }", isAccepted: true),
        Case(text: "a { b: 1 } c: 2", isAccepted: false),
        Case(text: "a = [ # c\n 1, ]", isAccepted: true),
        Case(text: "include\nx", isAccepted: false),
        Case(text: "a: 1\r\nb: 2\r\n", isAccepted: true),
        Case(text: "a = $2a$11$abc", isAccepted: true),
    ]

    @Test("parses exactly when the reference does", arguments: cases)
    func verdict(_ testCase: Case) {
        let result = Result { () throws(ConfigError) -> ConfigMap in try ConfigParser().parse(text: testCase.text, file: "s.conf") }
        switch result {
        case .success:
            #expect(testCase.isAccepted, "accepted, but nats-server rejects it")
        case .failure(let error):
            #expect(!testCase.isAccepted, "rejected (\(error)), but nats-server accepts it")
        }
    }

    /// The one syntax nats-server accepts and Outpost refuses: a map key with no value before the
    /// closing brace. nats-server then files the key at the top level (`a { b = }` defines a
    /// top-level `b`), which cannot be what the author meant.
    @Test("a key without a value inside a map is refused (nats-server misfiles it)")
    func knownDifference() {
        #expect(throws: ConfigError.self) { try ConfigParser().parse(text: "a { b = }") }
    }
}
