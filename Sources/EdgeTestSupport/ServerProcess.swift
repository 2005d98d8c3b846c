import Foundation
import NIOConcurrencyHelpers

/// Which server a test talks to: ours, or the reference nats-server. Integration tests run
/// against both, so every assertion is known to describe the reference's behaviour.
public enum ServerKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case outpost
    case reference = "nats-server"

    public var description: String { rawValue }

    /// The nats-server that leafnode tests use as the hub: `OUTPOST_HUB_BINARY` (another
    /// version: `Tools/test` sets it for each of `OUTPOST_HUB_VERSIONS`), or the reference.
    public static var hubExecutable: String {
        ProcessInfo.processInfo.environment["OUTPOST_HUB_BINARY"] ?? ServerKind.reference.executable
    }

    /// The binary: `OUTPOST_BINARY` or `.build/debug/outpost`; `NATS_SERVER_BINARY` or
    /// `nats-server` from PATH.
    public var executable: String {
        let environment = ProcessInfo.processInfo.environment
        switch self {
        case .outpost:
            if let path = environment["OUTPOST_BINARY"] { return path }
            return TestPaths.packageRoot + "/.build/debug/outpost"
        case .reference:
            if let path = environment["NATS_SERVER_BINARY"] { return path }
            for directory in (environment["PATH"] ?? "/usr/sbin:/usr/bin").split(separator: ":") {
                let candidate = "\(directory)/nats-server"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return "/usr/sbin/nats-server"
        }
    }
}

/// Paths inside the package.
public enum TestPaths {
    /// The package root, found from this file's location.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}

public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// Servers shared by the cases of a table-driven test (starting one per case costs more than the
/// cases themselves). Killed when the test process exits.
public enum SharedServers {
    private struct State {
        var servers: [ServerKind: ServerProcess] = [:]
        var registeredExitHandler = false
    }

    private static let state = NIOLockedValueBox(State())

    /// The shared plain server (default options) of `kind`, started on first use.
    public static func server(_ kind: ServerKind) throws -> ServerProcess {
        try state.withLockedValue { state in
            if let server = state.servers[kind], server.process.isRunning { return server }
            let server = try ServerProcess(kind)
            state.servers[kind] = server
            if !state.registeredExitHandler {
                state.registeredExitHandler = true
                atexit {
                    let servers = SharedServers.state.withLockedValue { Array($0.servers.values) }
                    for server in servers {
                        if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) }
                        try? FileManager.default.removeItem(at: server.temporaryDirectory)
                    }
                }
            }
            return server
        }
    }
}

/// A server process started for one test: on loopback, on a port the kernel picks (`-p -1`),
/// stopped (SIGTERM, then SIGKILL) when the test is done.
public final class ServerProcess: @unchecked Sendable {
    public let kind: ServerKind
    public let process = Process()
    public private(set) var port = 0
    public private(set) var monitorPort: Int?
    /// The server's stdout and stderr go to a file, never a pipe: a server blocks when a pipe is
    /// full, and a pipe may hold as little as 4 KiB (when the user is past
    /// `fs.pipe-user-pages-soft`, as on a busy CI machine). nats-server logs each refused
    /// connection, so a pipe drained late once stopped it accepting after 35 refusals.
    private let logReader: FileHandle
    /// What was read of the log so far.
    private let logBytes = NIOLockedValueBox(Data())
    public let temporaryDirectory: URL

    /// Starts `kind` with `arguments` (appended after `-a 127.0.0.1 -p -1`) and waits until it
    /// logs "Server is ready" (at most `timeout`).
    /// - Parameter configuration: text of a configuration file to pass with `-c`.
    /// - Parameter executable: another binary of `kind` (a hub of another version).
    /// - Parameter cpus: a CPU list for `taskset -c` (e.g. "0"): the server runs on those only.
    /// - Parameter workingDirectory: where the server runs (its own temporary directory if nil;
    ///   the log is kept there either way).
    public init(
        _ kind: ServerKind,
        executable: String? = nil,
        cpus: String? = nil,
        arguments: [String] = [],
        configuration: String? = nil,
        monitor: Bool = false,
        environment: [String: String] = [:],
        workingDirectory: URL? = nil,
        timeout: TimeInterval = 10
    ) throws {
        self.kind = kind
        temporaryDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporaryDirectory, withIntermediateDirectories: true)
        var allArguments = ["-a", "127.0.0.1", "-p", "-1"]
        if monitor {
            let port = try Self.freePort()
            monitorPort = port
            allArguments += ["-m", String(port)]
        }
        allArguments += arguments
        if let configuration {
            let file = temporaryDirectory.appendingPathComponent("server.conf")
            try configuration.write(to: file, atomically: true, encoding: .utf8)
            allArguments += ["-c", file.path]
        }
        if let cpus {
            // taskset execs the server: the process is still the server's.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", cpus, executable ?? kind.executable] + allArguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable ?? kind.executable)
            process.arguments = allArguments
        }
        let logFile = temporaryDirectory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let logWriter = try FileHandle(forWritingTo: logFile)
        logReader = try FileHandle(forReadingFrom: logFile)
        process.standardOutput = logWriter
        process.standardError = logWriter
        process.currentDirectoryURL = workingDirectory ?? temporaryDirectory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        try process.run()
        try? logWriter.close()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let log = self.log
            if let range = log.range(of: #"Listening for client connections on [^\s]+:(\d+)"#, options: .regularExpression) {
                let match = String(log[range])
                port = Int(match.split(separator: ":").last!) ?? 0
            }
            if port != 0 && log.contains("Server is ready") { return }
            if !process.isRunning {
                let error = ServerStartError(description: "\(kind) exited (\(process.terminationStatus)) before it was ready:\n\(log)")
                try? FileManager.default.removeItem(at: temporaryDirectory)
                throw error
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        stop()
        throw ServerStartError(description: "\(kind) was not ready within \(timeout) s:\n\(log)")
    }

    /// Everything the server logged so far.
    public var log: String {
        logBytes.withLockedValue { bytes in
            if let more = try? logReader.readToEnd() { bytes += more }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    public var url: String { "nats://127.0.0.1:\(port)" }

    /// How many times `text` appears in the log so far.
    public func occurrences(of text: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    /// Waits until `text` appears in the log at least `count` times; `false` after `timeout`.
    @discardableResult
    public func waitForLog(_ text: String, count: Int = 1, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if occurrences(of: text) >= count { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
    public var pid: Int32 { process.processIdentifier }

    /// Sends `signal` to the server.
    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// SIGTERM, then SIGKILL after `grace`; returns the exit status.
    @discardableResult
    public func stop(grace: TimeInterval = 5) -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        _ = log  // the last lines, before the file goes
        try? FileManager.default.removeItem(at: temporaryDirectory)
        return process.terminationStatus
    }

    /// Waits until the process has exited (at most `timeout`); `nil` if it has not.
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops the server if a test did not, and removes its directory either way (a server that
    /// exited by itself, as some tests expect, left it behind).
    deinit {
        if process.isRunning {
            stop(grace: 1)
        } else {
            try? FileManager.default.removeItem(at: temporaryDirectory)
        }
    }

    /// Ports handed out so far in this process: the kernel may give a port it just released to
    /// the next `bind(0)`, and tests that pick several ports before binding them (a hub, a proxy
    /// in front of it, a monitor port) once got the same one twice.
    private static let handedOut = NIOLockedValueBox<Set<Int>>([])

    /// A loopback port no other server is bound to now, never handed out before in this process.
    public static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = try unboundPort()
            if handedOut.withLockedValue({ $0.insert(port).inserted }) { return port }
        }
        throw ServerStartError(description: "no unused loopback port found")
    }

    /// A loopback port nobody listens on now (bind to port 0, read it, close).
    private static func unboundPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerStartError(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerStartError(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
