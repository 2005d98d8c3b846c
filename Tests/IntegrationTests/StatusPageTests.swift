import EdgeTestSupport
import Foundation
import Testing

/// The status page on the monitoring port (`GET /`), rendered by a real browser: Debian's
/// chromium, headless, on loopback (Tools/test installs it). The page fetches the JSON
/// endpoints with its own script, so what the browser's DOM shows is what a technician sees.
@Suite("Status page")
struct StatusPageTests {
    static let browser = "/usr/bin/chromium"

    /// Runs chromium headless on `url` with `arguments`; its standard output.
    private func chromium(_ arguments: [String], url: String) throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        // --no-sandbox: the tests may run as root; the page is ours, on loopback.
        let options = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=4000",
        ]
        return try BoundedProcess.run(Self.browser, options + arguments + [url], timeout: 60, standardError: false).output
    }

    @Test("a browser renders the uplink, its buffer, the streams and the clients from the live server")
    func rendered() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.browser), "chromium is missing: Tools/test installs it")
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-status-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let unreachable = try ServerProcess.freePort()
        let server = try ServerProcess(
            .outpost, arguments: ["-js", "-sd", store.path, "-n", "pump-house-7"],
            configuration: """
                leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:\(unreachable)", store_and_forward { subjects: ["telemetry.>"] } } ] }
                """, monitor: true)
        defer { server.stop() }

        // A stream with three messages, and two messages waiting for the (absent) uplink.
        let client = try RawClient(port: server.port)
        try client.handshake()
        let create = #"{"name":"SENSORS","subjects":["sensors.>"]}"#
        client.send("SUB _INBOX.status 1\r\nPUB $JS.API.STREAM.CREATE.SENSORS _INBOX.status \(create.utf8.count)\r\n\(create)\r\n")
        client.read(untilContains: "stream_create_response")
        client.send(
            "PUB sensors.a 2\r\nv1\r\nPUB sensors.a 2\r\nv2\r\nPUB sensors.b 2\r\nv3\r\n"
                + "PUB telemetry.t 2\r\nt1\r\nPUB telemetry.t 2\r\nt2\r\nPING\r\n")
        client.read(untilContains: "PONG\r\n")
        // The buffer journals on a thread of its own: wait until both messages are in it.
        var remote: [String: Any] = [:]
        var buffered: Int?
        let deadline = Date().addingTimeInterval(5)
        repeat {
            let varz = try MonitoringClient.get(port: server.monitorPort!, path: "/varz")
            remote = try #require(((varz["leaf"] as? [String: Any])?["remotes"] as? [[String: Any]])?.first)
            buffered = (remote["store_and_forward"] as? [String: Any])?["buffered_msgs"] as? Int
            if buffered != 2 { Thread.sleep(forTimeInterval: 0.05) }
        } while buffered != 2 && Date() < deadline
        let state = try #require(remote["state"] as? String)
        #expect(buffered == 2, "\(remote)")

        let page = "http://127.0.0.1:\(server.monitorPort!)/"
        let dom = try chromium(["--dump-dom"], url: page)
        #expect(dom.contains("Outpost pump-house-7"), "\(dom.prefix(3000))")
        #expect(dom.contains("<td>SENSORS</td><td>3</td>"), "\(dom.prefix(4000))")
        #expect(dom.contains("class=\"down\">\(state)</td>"), "uplink state \(state): \(dom.prefix(4000))")
        #expect(dom.contains("<td>telemetry.&gt;</td><td>2</td>"), "\(dom.prefix(4000))")
        #expect(dom.contains("1 connected"), "\(dom.prefix(4000))")
        #expect(dom.contains("<div class=\"error\" id=\"error\"></div>"), "the page reports an error: \(dom.prefix(4000))")

        // A screenshot, kept in .build for people to look at (the closing note names it).
        let screenshot = TestPaths.packageRoot + "/.build/status-page.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        _ = try chromium(["--screenshot=\(screenshot)", "--window-size=1100,900", "--hide-scrollbars"], url: page)
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(png.count) bytes")
    }

    @Test("the page is self-contained: no external script, style, font or image")
    func selfContained() throws {
        let server = try ServerProcess(.outpost, monitor: true)
        defer { server.stop() }
        let html = try MonitoringClient.getText(port: server.monitorPort!, path: "/")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for external in ["http://", "https://", "src=", "@import", "<link"] {
            #expect(!html.contains(external), "\(external)")
        }
        #expect(html.utf8.count < 16_384, "\(html.utf8.count) bytes")
    }
}
