import EdgeTestSupport
import Foundation
import Testing

/// The server id kept in the store directory (PersistentIdentity.swift).
@Suite("Persistent identity")
struct IdentityTests {
    private func serverIDAndName(_ server: ServerProcess) throws -> (id: String, name: String) {
        let client = try RawClient(port: server.port)
        let info = client.read(untilContains: "\r\n")
        func field(_ key: String) -> String {
            guard let range = info.range(of: "\"\(key)\":\""), let end = info[range.upperBound...].firstIndex(of: "\"") else { return "" }
            return String(info[range.upperBound..<end])
        }
        return (field("server_id"), field("server_name"))
    }

    /// As nats-server: without `-js` or a configuration that enables it, no JetStream, nothing
    /// written to the working directory, and a fresh id at every start.
    @Test("two bare starts in one directory get different ids and write nothing", arguments: ServerKind.allCases)
    func bareStartsKeepNothing(kind: ServerKind) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-bare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try ServerProcess(kind, workingDirectory: directory)
        let second = try ServerProcess(kind, workingDirectory: directory)
        let firstID = try serverIDAndName(first).id
        let secondID = try serverIDAndName(second).id
        let info = try RawClient(port: first.port).read(untilContains: "\r\n")
        first.stop()
        second.stop()
        #expect(firstID.count == 56 && secondID.count == 56 && firstID != secondID, "\(kind): \(firstID) \(secondID)")
        #expect(!info.contains("\"jetstream\""), "\(kind): \(info)")
        #expect(!second.log.contains("in use"), "\(kind): \(second.log)")
        let written = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(written.isEmpty, "\(kind) wrote \(written) into its working directory")
    }

    @Test("the id survives restarts, is the name when none is configured, and is replaced when the store comes from another machine")
    func keptAcrossRestarts() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-identity-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let configuration = "jetstream { store_dir: \"\(store.path)\" }\n"

        var server = try ServerProcess(.outpost, configuration: configuration)
        let first = try serverIDAndName(server)
        #expect(server.log.contains("New server identity in \(store.path)/server-identity (first start)"))
        server.stop()
        #expect(first.id.count == 56 && first.id.hasPrefix("N") && first.name == first.id, "\(first)")

        server = try ServerProcess(.outpost, configuration: configuration)
        let second = try serverIDAndName(server)
        server.stop()
        #expect(second.id == first.id)
        #expect(!server.log.contains("New server identity"))

        // An SD-card image made after a first start: the file names another machine.
        let file = store.appendingPathComponent("server-identity")
        let text = try String(contentsOf: file, encoding: .utf8)
        let cloned = text.split(separator: "\n").map { $0.hasPrefix("machine_id:") ? "machine_id: 0123456789abcdef" : String($0) }
        try (cloned.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        server = try ServerProcess(.outpost, configuration: configuration)
        let third = try serverIDAndName(server)
        server.stop()
        #expect(third.id != first.id)
        #expect(server.log.contains("the store was made on another machine"), "\(server.log.suffix(1500))")

        // A configured name is kept; the id still comes from the store.
        server = try ServerProcess(.outpost, configuration: configuration + "server_name: gateway-1\n")
        let named = try serverIDAndName(server)
        server.stop()
        #expect(named.id == third.id && named.name == "gateway-1")
    }
}
