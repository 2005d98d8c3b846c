/// MQTT topics and NATS subjects, mapped as nats-server 2.10 and later map them (checked
/// against nats-server 2.14.6: an MQTT client and a NATS client on one server):
///
/// | MQTT topic | NATS subject |
/// |---|---|
/// | `a/b` | `a.b` |
/// | `a.b` | `a//b` (a dot inside a level) |
/// | `/a`, `a/`, `a//b` | `/.a`, `a./`, `a./.b` (an empty level is the token `/`) |
/// | filter `+` | `*` |
/// | filter `a/#` | `a.>` and `a` (`#` also matches its parent level) |
///
/// From NATS to MQTT the same rules run backwards; a single `/` inside a NATS token has no
/// MQTT spelling and is dropped, as nats-server drops it (`x/y.z` reaches MQTT as `xy/z`).
///
/// Where Outpost differs, on purpose: a topic level that is exactly `*` or `>`, or that holds
/// a space, tab or line break, is refused (nats-server publishes `a/*` on the wildcard subject
/// `a.*`, which no NATS client could publish); a NATS subject that would reach MQTT as the
/// empty topic (`/`) is not delivered (nats-server sends it, and clients close the connection
/// on it as the specification requires).
public enum MQTTTopicMapping {
    /// The NATS subject of an MQTT topic name; nil if it has none.
    public static func subject(forTopic topic: String) -> String? {
        guard !topic.isEmpty else { return nil }
        var subject: [UInt8] = []
        subject.reserveCapacity(topic.utf8.count + 4)
        var levelStart = true
        var levelLength = 0
        var levelFirst: UInt8 = 0
        func endLevel() -> Bool {
            if levelLength == 0 {
                subject.append(UInt8(ascii: "/"))
            } else if levelLength == 1 && (levelFirst == UInt8(ascii: "*") || levelFirst == UInt8(ascii: ">")) {
                return false
            }
            return true
        }
        for byte in topic.utf8 {
            switch byte {
            case UInt8(ascii: "/"):
                guard endLevel() else { return nil }
                subject.append(UInt8(ascii: "."))
                levelStart = true
                levelLength = 0
                continue
            case UInt8(ascii: "."):
                subject.append(UInt8(ascii: "/"))
                subject.append(UInt8(ascii: "/"))
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "+"), UInt8(ascii: "#"):
                return nil
            default:
                subject.append(byte)
            }
            if levelStart { levelFirst = byte }
            levelStart = false
            levelLength += 1
        }
        guard endLevel() else { return nil }
        return String(decoding: subject, as: UTF8.self)
    }

    /// The NATS subscriptions of an MQTT topic filter (already checked by
    /// ``MQTTTopicRules/checkFilter(_:)``): one subject pattern, or two for a filter ending in
    /// `/#` (the levels below and the parent itself); nil if a level has no NATS spelling.
    public static func subjects(forFilter filter: String) -> [String]? {
        if filter == "#" { return [">"] }
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        var tokens: [String] = []
        tokens.reserveCapacity(levels.count)
        for level in levels {
            switch level {
            case "+": tokens.append("*")
            case "#": tokens.append(">")
            case "": tokens.append("/")
            default:
                guard let token = subject(forTopic: String(level)) else { return nil }
                tokens.append(token)
            }
        }
        let pattern = tokens.joined(separator: ".")
        if tokens.last == ">" {
            return [pattern, tokens.dropLast().joined(separator: ".")]
        }
        return [pattern]
    }

    /// The MQTT topic of a NATS subject; nil when it would be empty.
    public static func topic(forSubject subject: String) -> String? {
        let bytes = Array(subject.utf8)
        var topic: [UInt8] = []
        topic.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "."):
                topic.append(UInt8(ascii: "/"))
            case UInt8(ascii: "/"):
                // `//` is a dot inside a level; `/` before a separator (or at the end) is an
                // empty level; any other `/` has no MQTT spelling.
                if index + 1 < bytes.count {
                    let following = bytes[index + 1]
                    if following == UInt8(ascii: "/") {
                        topic.append(UInt8(ascii: "."))
                        index += 1
                    } else if following == UInt8(ascii: ".") {
                        topic.append(UInt8(ascii: "/"))
                        index += 1
                    }
                }
            default:
                topic.append(byte)
            }
            index += 1
        }
        guard !topic.isEmpty else { return nil }
        return String(decoding: topic, as: UTF8.self)
    }

    /// Whether a filter's first level is a wildcard: such a filter must not match a topic that
    /// starts with `$` (section 4.7.2), though its NATS pattern does.
    public static func filterStartsWithWildcard(_ filter: String) -> Bool {
        filter.hasPrefix("+") || filter.hasPrefix("#")
    }
}
