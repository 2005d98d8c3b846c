import EdgeTestSupport
import Foundation
import Testing

/// Every file in `Profiles/` is a valid configuration that Outpost starts with.
@Suite("Profiles")
struct ProfileTests {
    static let profiles: [String] = {
        let directory = TestPaths.packageRoot + "/Profiles"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".conf") }.sorted()
    }()

    @Test("there are profiles")
    func present() {
        #expect(Self.profiles.contains("default.conf"))
    }

    @Test("each profile starts a server that serves clients", arguments: profiles)
    func starts(profile: String) throws {
        let path = TestPaths.packageRoot + "/Profiles/" + profile
        // `-a 127.0.0.1 -p -1` (added by ServerProcess) keep the test on loopback and a free port.
        let server = try ServerProcess(.outpost, arguments: ["-c", path])
        defer { server.stop() }
        #expect(!server.log.contains("[ERR]"))
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if text.contains("\njetstream") {
            #expect(server.log.contains("Starting JetStream"), "\(server.log)")
        }
        let client = try RawClient(port: server.port)
        try client.handshake()
    }
}
