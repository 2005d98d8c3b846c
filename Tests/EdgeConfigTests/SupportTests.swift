import Testing

@testable import EdgeConfig

/// The small helpers that reproduce Go library behaviour: durations, host:port, paths, nkeys.
@Suite("Go-compatible helpers")
struct SupportTests {
    @Test(
        "Go duration strings parse as time.ParseDuration does",
        arguments: [
            ("1h2m3.5s", Int64(3_723_500_000_000)), ("300ms", 300_000_000), ("2us", 2_000), ("2µs", 2_000),
            ("1.5h", 5_400_000_000_000), ("-1m", -60_000_000_000), ("+5s", 5_000_000_000), ("0", 0),
            (".5s", 500_000_000), ("1ns", 1), ("2h45m", 9_900_000_000_000),
        ]
    )
    func parseDuration(text: String, nanoseconds: Int64) {
        #expect(GoDuration.parse(text) == .success(.nanoseconds(nanoseconds)))
    }

    @Test("Go duration errors are worded as Go's")
    func durationErrors() {
        #expect(GoDuration.parse("") == .failure(GoDurationError(message: "time: invalid duration \"\"")))
        #expect(GoDuration.parse("5") == .failure(GoDurationError(message: "time: missing unit in duration \"5\"")))
        #expect(GoDuration.parse("5x") == .failure(GoDurationError(message: "time: unknown unit \"x\" in duration \"5x\"")))
        #expect(GoDuration.parse("abc") == .failure(GoDurationError(message: "time: invalid duration \"abc\"")))
        #expect(GoDuration.parse(".s") == .failure(GoDurationError(message: "time: invalid duration \".s\"")))
        #expect(GoDuration.parse("9999999999h") == .failure(GoDurationError(message: "time: invalid duration \"9999999999h\"")))
    }

    @Test(
        "durations format as Go's Duration.String",
        arguments: [
            (Int64(0), "0s"), (1, "1ns"), (1_500, "1.5µs"), (1_200_000, "1.2ms"), (1_000_000_000, "1s"),
            (90_000_000_000, "1m30s"), (3_723_500_000_000, "1h2m3.5s"), (7_200_000_000_000, "2h0m0s"),
            (-30_000_000_000, "-30s"),
        ]
    )
    func formatDuration(nanoseconds: Int64, text: String) {
        #expect(GoDuration.format(.nanoseconds(nanoseconds)) == text)
    }

    @Test("host:port splits as net.SplitHostPort")
    func hostPort() {
        #expect(HostPort(parsing: "127.0.0.1:4222") == HostPort(host: "127.0.0.1", port: 4222))
        #expect(HostPort(parsing: ":4222") == HostPort(host: "", port: 4222))
        #expect(HostPort(parsing: "[::1]:4222") == HostPort(host: "::1", port: 4222))
        #expect(HostPort(parsing: "localhost") == nil)
        #expect(HostPort(parsing: "::1:4222") == nil)
        #expect(HostPort(parsing: "host:port") == nil)
        #expect(HostPort.split("host:port")?.port == "port")
    }

    @Test("include paths join and clean as path/filepath")
    func paths() {
        #expect(ConfigPath.directory(of: "a.conf") == ".")
        #expect(ConfigPath.directory(of: "/etc/a.conf") == "/etc")
        #expect(ConfigPath.directory(of: "/a.conf") == "/")
        #expect(ConfigPath.join(".", "x.conf") == "x.conf")
        #expect(ConfigPath.join("conf", "../other/./x.conf") == "other/x.conf")
        #expect(ConfigPath.join("conf", "/abs/x.conf") == "conf/abs/x.conf")
        #expect(ConfigPath.clean("/../a//b/") == "/a/b")
        #expect(ConfigPath.clean("../../a") == "../../a")
    }

    @Test("public nkeys are checked for kind and checksum")
    func nkeys() {
        let user = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"
        let account = "AD4YRVUJF2KASKPGRMNXTYKIYSCB3IHHB4Y2ME6B2PDIV5QJ23C2ZRIT"
        #expect(NKeyValidation.isValidPublicKey(user, kind: .user))
        #expect(!NKeyValidation.isValidPublicKey(user, kind: .account))
        #expect(NKeyValidation.isValidPublicKey(account, kind: .account))
        // One changed character breaks the checksum.
        #expect(!NKeyValidation.isValidPublicKey("UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF5", kind: .user))
        #expect(!NKeyValidation.isValidPublicKey("UBAD", kind: .user))
    }

    @Test("subjects in permissions are checked as IsValidSubject does")
    func subjects() {
        #expect(SubjectSyntax.isValid("foo.*.bar"))
        #expect(SubjectSyntax.isValid("foo.>"))
        #expect(!SubjectSyntax.isValid("foo.>.bar"))
        #expect(!SubjectSyntax.isValid("foo..bar"))
        #expect(!SubjectSyntax.isValid("foo bar"))
        #expect(!SubjectSyntax.isValid(""))
        #expect(SubjectSyntax.isValidName("edge"))
        #expect(!SubjectSyntax.isValidName("a.b"))
    }
}
