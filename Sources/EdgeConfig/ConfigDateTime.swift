/// A UTC date and time written in a configuration file as `YYYY-MM-DDTHH:MM:SSZ`.
///
/// nats-server accepts only this full Zulu form (`conf/lex.go`, `lexDateAfterYear`) and checks
/// it with Go's `time.Parse`, so an impossible date such as February 30th is an error.
package struct ConfigDateTime: Hashable, Sendable, CustomStringConvertible {
    /// The year, such as 2016.
    package var year: Int
    /// The month, 1...12.
    package var month: Int
    /// The day of the month, 1...31.
    package var day: Int
    /// The hour, 0...23.
    package var hour: Int
    /// The minute, 0...59.
    package var minute: Int
    /// The second, 0...59.
    package var second: Int

    /// Creates a date and time after checking that it exists; nil if it does not.
    package init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
            (0...59).contains(second)
        else { return nil }
        let isLeapYear = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let daysInMonth = [31, isLeapYear ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1, day <= daysInMonth[month - 1] else { return nil }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ`; nil for any other text or an impossible date.
    package init?(iso8601 text: String) {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 20, scalars[4] == "-", scalars[7] == "-", scalars[10] == "T",
            scalars[13] == ":", scalars[16] == ":", scalars[19] == "Z"
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard
                    let digit = scalars[index].properties.numericType == .decimal
                        ? Int(String(scalars[index])) : nil
                else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The ISO 8601 form, `2016-05-04T18:53:41Z`.
    package var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))Z"
    }
}
