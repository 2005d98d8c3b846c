import Foundation

/// Runs a program to completion, bounded in time, its output (standard output, and standard
/// error unless discarded) kept in a file rather than a pipe: nothing to drain while waiting,
/// nothing lost at exit. The file goes when the run ends.
public enum BoundedProcess {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let timedOut: Bool
    }

    /// - Parameter standardError: false to discard it (a browser's chatter).
    /// - Parameter killAfterTimeout: SIGKILL instead of SIGTERM (a child started from the test
    ///   runner's threads inherits their blocked SIGTERM).
    public static func run(
        _ executable: String, _ arguments: [String], timeout: TimeInterval, standardError: Bool = true, killAfterTimeout: Bool = false
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputFile)
        defer {
            try? handle.close()
            try? FileManager.default.removeItem(at: outputFile)
        }
        process.standardOutput = handle
        process.standardError = standardError ? handle : FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let timedOut = process.isRunning
        if timedOut {
            if killAfterTimeout { kill(process.processIdentifier, SIGKILL) } else { process.terminate() }
        }
        process.waitUntilExit()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: output, timedOut: timedOut)
    }
}
