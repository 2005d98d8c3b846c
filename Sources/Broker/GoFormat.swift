/// Time and duration texts exactly as nats-server's monitoring JSON has them (Go formats).
package enum GoFormat {
    /// nats-server's uptime text: `0s`, `45s`, `3m2s`, `1h0m5s`, `2d3h4m5s`, `1y2d...`.
    package static func uptime(seconds total: Int64) -> String {
        var rest = max(0, total)
        let years = rest / (86400 * 365)
        rest %= 86400 * 365
        let days = rest / 86400
        rest %= 86400
        let hours = rest / 3600
        rest %= 3600
        let minutes = rest / 60
        let seconds = rest % 60
        if years > 0 { return "\(years)y\(days)d\(hours)h\(minutes)m\(seconds)s" }
        if days > 0 { return "\(days)d\(hours)h\(minutes)m\(seconds)s" }
        if hours > 0 { return "\(hours)h\(minutes)m\(seconds)s" }
        if minutes > 0 { return "\(minutes)m\(seconds)s" }
        return "\(seconds)s"
    }

    /// Go's `time.Duration.String()`: `0s`, `496µs`, `1.5ms`, `2.000001s`, `1m30s`, `2h0m0s`.
    package static func duration(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let negative = nanoseconds < 0
        let value = UInt64(negative ? -nanoseconds : nanoseconds)
        var text: String
        if value < 1_000 {
            text = "\(value)ns"
        } else if value < 1_000_000 {
            text = fractional(value, unit: 1_000) + "µs"
        } else if value < 1_000_000_000 {
            text = fractional(value, unit: 1_000_000) + "ms"
        } else {
            let totalSeconds = value / 1_000_000_000
            let hours = totalSeconds / 3600
            let minutes = (totalSeconds % 3600) / 60
            let secondsPart = fractional(value % 60_000_000_000, unit: 1_000_000_000) + "s"
            if hours > 0 {
                text = "\(hours)h\(minutes)m" + secondsPart
            } else if minutes > 0 {
                text = "\(minutes)m" + secondsPart
            } else {
                text = secondsPart
            }
        }
        return negative ? "-" + text : text
    }

    private static func fractional(_ value: UInt64, unit: UInt64) -> String {
        let whole = value / unit
        var fraction = value % unit
        guard fraction > 0 else { return "\(whole)" }
        var digits = 0
        var scale = unit
        while scale > 1 {
            scale /= 10
            digits += 1
        }
        var text = pad(Int(fraction), digits)
        while text.hasSuffix("0") { text.removeLast() }
        fraction = 0
        return "\(whole).\(text)"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
