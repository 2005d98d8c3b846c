import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log handler that writes lines the way nats-server does, so people (and test harnesses
/// that grep the log) find what they expect:
///
///     [1234] 2026/11/28 04:37:03.123456 [INF] Listening for client connections on 0.0.0.0:4222
///
/// Levels map as `-D` → debug (`[DBG]`), `-V` → trace (`[TRC]`); notice is shown as `[INF]`,
/// warning `[WRN]`, error `[ERR]`, critical `[FTL]`. Lines go to standard error or to the
/// `log_file`, written whole with one `write` each.
package struct NATSLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    private let sink: LogSink

    package init(level: Logger.Level, sink: LogSink) {
        self.logLevel = level
        self.sink = sink
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line = sink.prefix()
        line += Self.tag(event.level)
        line += " "
        line += event.message.description
        line += "\n"
        sink.write(line)
    }

    static func tag(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "[TRC]"
        case .debug: return "[DBG]"
        case .info, .notice: return "[INF]"
        case .warning: return "[WRN]"
        case .error: return "[ERR]"
        case .critical: return "[FTL]"
        }
    }
}

/// Where log lines go, and how each is prefixed (pid, optional local time).
package final class LogSink: Sendable {
    private let descriptor: Int32
    private let showTime: Bool
    private let pid: Int32
    private let lock = NIOLock()

    /// - Parameters:
    ///   - path: a log file to append to; `nil` for standard error.
    ///   - showTime: nats-server's `logtime` (default on; `-T=false` turns it off).
    package init(path: String?, showTime: Bool) throws(LogSinkError) {
        if let path {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            if descriptor < 0 { throw LogSinkError(path: path, errno: errno) }
            self.descriptor = descriptor
        } else {
            self.descriptor = 2
        }
        self.showTime = showTime
        self.pid = getpid()
    }

    func prefix() -> String {
        var text = "[\(pid)] "
        if showTime {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            var seconds = spec.tv_sec
            var parts = tm()
            localtime_r(&seconds, &parts)
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            text += "\(pad(Int(parts.tm_year) + 1900, 4))/\(pad(Int(parts.tm_mon) + 1, 2))/\(pad(Int(parts.tm_mday), 2)) "
            text +=
                "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(Int(spec.tv_nsec) / 1000, 6)) "
        }
        return text
    }

    func write(_ line: String) {
        var line = line
        lock.withLock {
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}

package struct LogSinkError: Error, CustomStringConvertible {
    package let path: String
    package let errno: Int32
    package var description: String { "cannot open log file \(path): \(String(cString: strerror(errno)))" }
}
