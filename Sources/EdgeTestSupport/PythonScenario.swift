import Foundation

/// Runs one scenario of a Python script that uses the official nats-py client, against a server.
///
/// The interpreter is `OUTPOST_PYTHON`, else `.venv/bin/python` in the package (made by
/// `Tools/test`), else `python3`. The script gets the scenario name and the server URL and
/// exits non-zero, printing why, when an expectation fails.
public enum PythonScenario {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
    }

    public static var interpreter: String {
        if let path = ProcessInfo.processInfo.environment["OUTPOST_PYTHON"] { return path }
        let venv = TestPaths.packageRoot + "/.venv/bin/python"
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        return "/usr/bin/python3"
    }

    /// Runs `script` (a path relative to the package root) with `arguments`, bounded by `timeout`.
    public static func run(script: String, arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        // SIGKILL at the timeout: SIGTERM may be blocked, see `Running.stop()`.
        let run = try BoundedProcess.run(
            interpreter, [TestPaths.packageRoot + "/" + script] + arguments, timeout: timeout, killAfterTimeout: true)
        return Result(
            status: run.timedOut ? -1 : run.status, output: run.timedOut ? "timed out after \(timeout) s\n" + run.output : run.output)
    }
}

extension PythonScenario {
    /// A script running in the background (for tests that act while it runs, such as killing
    /// the server under a publisher).
    public final class Running: @unchecked Sendable {
        public let process = Process()
        private let outputFile: URL
        private let handle: FileHandle

        init(script: String, arguments: [String]) throws {
            outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            handle = try FileHandle(forWritingTo: outputFile)
            process.executableURL = URL(fileURLWithPath: PythonScenario.interpreter)
            process.arguments = [TestPaths.packageRoot + "/" + script] + arguments
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        /// Waits for the script to end (killing it after `timeout`); returns its result.
        public func wait(timeout: TimeInterval) -> Result {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            let timedOut = process.isRunning
            if timedOut { stop() }
            process.waitUntilExit()
            try? handle.close()
            let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: outputFile)
            return Result(
                status: timedOut ? -1 : process.terminationStatus, output: timedOut ? "timed out after \(timeout) s\n" + output : output)
        }

        /// Ends the script now. SIGKILL, because a child started from the test runner's threads
        /// inherits their blocked SIGTERM, and Python then ignores `terminate()`.
        public func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        deinit {
            stop()
            try? handle.close()
            try? FileManager.default.removeItem(at: outputFile)
        }
    }

    /// Starts `script` with `arguments` without waiting for it.
    public static func start(script: String, arguments: [String]) throws -> Running {
        try Running(script: script, arguments: arguments)
    }
}
