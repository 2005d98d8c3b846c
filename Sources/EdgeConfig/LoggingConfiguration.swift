/// How the server logs: `debug`, `trace`, `logtime`, `log_file` and friends.
package struct LoggingConfiguration: Hashable, Sendable {
    /// `debug` (`-D`).
    package var isDebugEnabled = false
    /// `trace` (`-V`): log protocol lines.
    package var isTraceEnabled = false
    /// `trace_verbose` (`-VV`): trace the system account too.
    package var isTraceVerbose = false
    /// `logtime` (`-T`): timestamps on log lines; default true.
    package var hasTimestamps = true
    /// `logtime_utc`: timestamps in UTC.
    package var isTimestampUTC = false
    /// `log_file`, `logfile` (`-l`).
    package var file: String?
    /// `log_size_limit`, `logfile_size_limit`: rotate after this many bytes; 0 for never.
    package var fileSizeLimitBytes: Int64 = 0
    /// `logfile_max_num`, `log_max_num`: rotated files kept; 0 for all.
    package var fileCountMax: Int64 = 0
    /// `max_traced_msg_len`: how much of a payload a trace shows; 0 for all.
    package var maxTracedMessageLength = 0

    /// Creates the defaults.
    package init() {}
}
