/// Go's duration strings (`time.ParseDuration` and `Duration.String`), which nats-server uses
/// for every duration setting: `"1h2m3.5s"`, `"300ms"`, `"2us"`, `"-1.5h"`.
///
/// Units are `ns`, `us` (or `µs`, `μs`), `ms`, `s`, `m`, `h`; a bare `"0"` is zero; anything
/// else fails with Go's own message, such as `time: unknown unit "x" in duration "1x"`.
package enum GoDuration {
    /// The largest Go duration, about 292 years.
    static let nanosecondsMax = UInt64(Int64.max)

    /// Parses a Go duration string.
    ///
    /// - Returns: The duration, or the error message Go's `time.ParseDuration` gives.
    package static func parse(_ text: String) -> Result<Duration, GoDurationError> {
        let original = text
        var scalars = Substring(text).unicodeScalars[...]
        func invalid() -> Result<Duration, GoDurationError> {
            .failure(GoDurationError(message: "time: invalid duration \(quote(original))"))
        }
        var isNegative = false
        if let sign = scalars.first, sign == "-" || sign == "+" {
            isNegative = sign == "-"
            scalars = scalars.dropFirst()
        }
        if String(String.UnicodeScalarView(scalars)) == "0" { return .success(.zero) }
        if scalars.isEmpty { return invalid() }
        var total: UInt64 = 0
        while !scalars.isEmpty {
            guard let first = scalars.first, first == "." || ("0"..."9").contains(first) else { return invalid() }
            // Whole part.
            var whole: UInt64 = 0
            var hasWhole = false
            while let scalar = scalars.first, ("0"..."9").contains(scalar) {
                let digit = UInt64(scalar.value - 48)
                guard whole <= (UInt64(1) << 63 - 1 - digit) / 10 else { return invalid() }
                whole = whole * 10 + digit
                hasWhole = true
                scalars = scalars.dropFirst()
            }
            // Fraction: digits beyond what fits are ignored, as in Go's leadingFraction.
            var fraction: UInt64 = 0
            var scale: Double = 1
            var hasFraction = false
            if scalars.first == "." {
                scalars = scalars.dropFirst()
                var overflowed = false
                while let scalar = scalars.first, ("0"..."9").contains(scalar) {
                    hasFraction = true
                    scalars = scalars.dropFirst()
                    if overflowed { continue }
                    let digit = UInt64(scalar.value - 48)
                    if fraction > (UInt64(1) << 63 - 1) / 10 {
                        overflowed = true
                        continue
                    }
                    let next = fraction * 10 + digit
                    if next > UInt64(1) << 63 {
                        overflowed = true
                        continue
                    }
                    fraction = next
                    scale *= 10
                }
            }
            guard hasWhole || hasFraction else { return invalid() }
            // Unit.
            var unit = ""
            while let scalar = scalars.first, scalar != ".", !("0"..."9").contains(scalar) {
                unit.unicodeScalars.append(scalar)
                scalars = scalars.dropFirst()
            }
            guard !unit.isEmpty else {
                return .failure(GoDurationError(message: "time: missing unit in duration \(quote(original))"))
            }
            guard let unitNanoseconds = unitsInNanoseconds[unit] else {
                return .failure(
                    GoDurationError(message: "time: unknown unit \(quote(unit)) in duration \(quote(original))")
                )
            }
            guard whole <= (UInt64(1) << 63) / unitNanoseconds else { return invalid() }
            var value = whole * unitNanoseconds
            if fraction > 0 {
                value += UInt64(Double(fraction) * (Double(unitNanoseconds) / scale))
                guard value <= UInt64(1) << 63 else { return invalid() }
            }
            total += value
            guard total <= UInt64(1) << 63 else { return invalid() }
        }
        if isNegative {
            return .success(.nanoseconds(total == UInt64(1) << 63 ? Int64.min : -Int64(total)))
        }
        guard total <= nanosecondsMax else { return invalid() }
        return .success(.nanoseconds(Int64(total)))
    }

    /// Formats a duration as Go's `Duration.String` does: `"1h2m3.5s"`, `"300ms"`, `"0s"`.
    package static func format(_ duration: Duration) -> String {
        let nanoseconds = nanoseconds(of: duration)
        let isNegative = nanoseconds < 0
        var magnitude = nanoseconds.magnitude
        var text: String
        if magnitude < 1_000_000_000 {
            // Below a second, the largest fitting small unit with a fraction: 1.2ms, 15µs, 7ns.
            let unit: String
            let precision: Int
            switch magnitude {
            case 0: return "0s"
            case ..<1_000:
                unit = "ns"
                precision = 0
            case ..<1_000_000:
                unit = "µs"
                precision = 3
            default:
                unit = "ms"
                precision = 6
            }
            let (fractionText, whole) = fractionDigits(magnitude, precision: precision)
            text = String(whole) + fractionText + unit
        } else {
            let (fractionText, seconds) = fractionDigits(magnitude, precision: 9)
            magnitude = seconds
            text = String(magnitude % 60) + fractionText + "s"
            magnitude /= 60
            if magnitude > 0 {
                text = String(magnitude % 60) + "m" + text
                magnitude /= 60
                if magnitude > 0 { text = String(magnitude) + "h" + text }
            }
        }
        return isNegative ? "-" + text : text
    }

    /// The duration in whole nanoseconds, clamped to the 64-bit range Go durations have.
    package static func nanoseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (secondsPart, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        let (sum, sumOverflow) = secondsPart.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return seconds < 0 ? Int64.min : Int64.max }
        return sum
    }

    /// Go's `fmtFrac`: the fraction of `value / 10^precision` as ".123" without trailing zeros
    /// (empty when it is zero), and the whole part.
    private static func fractionDigits(_ value: UInt64, precision: Int) -> (String, UInt64) {
        var value = value
        var digits: [Character] = []
        var isPrinting = false
        for _ in 0..<precision {
            let digit = value % 10
            isPrinting = isPrinting || digit != 0
            if isPrinting { digits.append(Character(String(digit))) }
            value /= 10
        }
        guard isPrinting else { return ("", value) }
        return ("." + String(digits.reversed()), value)
    }

    private static let unitsInNanoseconds: [String: UInt64] = [
        "ns": 1,
        "us": 1_000,
        "\u{00B5}s": 1_000,  // micro sign
        "\u{03BC}s": 1_000,  // Greek small letter mu
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    /// Go's `quote` for these messages: the text in double quotes.
    private static func quote(_ text: String) -> String {
        "\"" + text + "\""
    }
}
