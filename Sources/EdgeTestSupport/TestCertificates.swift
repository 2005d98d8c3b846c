import Foundation

/// A throw-away PKI made with the `openssl` command for TLS tests: a CA, a server certificate
/// for `localhost` and 127.0.0.1, a client certificate from the same CA, and a second,
/// unrelated CA with its own server certificate (the "bad certificate" case).
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caFile: String { path("ca.pem") }
    public var serverCertificate: String { path("server.pem") }
    public var serverKey: String { path("server-key.pem") }
    public var clientCertificate: String { path("client.pem") }
    public var clientKey: String { path("client-key.pem") }
    public var rogueCAFile: String { path("rogue-ca.pem") }
    public var rogueServerCertificate: String { path("rogue-server.pem") }
    public var rogueServerKey: String { path("rogue-server-key.pem") }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try makeCA("ca")
        try makeLeaf("server", signedBy: "ca", extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth")
        try makeLeaf("client", signedBy: "ca", extensions: "extendedKeyUsage=clientAuth")
        try makeCA("rogue-ca")
        try makeLeaf(
            "rogue-server", signedBy: "rogue-ca", extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth")
    }

    /// Another client certificate from the CA, for `verify_and_map`: `subject` in openssl's
    /// `/O=.../CN=...` form, `alternativeNames` in its `subjectAltName` form (`email:...`);
    /// written as `<name>.pem` and `<name>-key.pem`.
    public func makeClient(_ name: String, subject: String, alternativeNames: String? = nil) throws {
        try makeLeaf(
            name, signedBy: "ca", subject: subject,
            extensions: (alternativeNames.map { "subjectAltName=\($0)\n" } ?? "") + "extendedKeyUsage=clientAuth")
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func makeCA(_ name: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name)-key.pem"), "-out", path("\(name).pem"), "-days", "2", "-subj", "/CN=Outpost test \(name)",
        ])
    }

    private func makeLeaf(_ name: String, signedBy ca: String, subject: String = "/CN=localhost", extensions: String) throws {
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name)-key.pem"), "-out", path("\(name).csr"), "-subj", subject,
        ])
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca)-key.pem"),
            "-CAcreateserial", "-out", path("\(name).pem"), "-days", "2", "-extfile", path("\(name).ext"),
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ServerStartError(
                description: "openssl \(arguments.joined(separator: " ")) failed:\n\(String(decoding: text, as: UTF8.self))")
        }
    }
}
