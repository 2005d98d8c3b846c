import MQTTWire
import Testing

/// Topics and subjects as nats-server 2.14.6 maps them: each pair below was seen on the wire,
/// an MQTT client (mosquitto_pub / mosquitto_sub) and a raw NATS client on one nats-server.
@Suite("MQTT topics and NATS subjects")
struct MQTTTopicMappingTests {
    /// MQTT topic published → NATS subject received.
    static let published: [(String, String)] = [
        ("a/b", "a.b"), ("a.b", "a//b"), ("/a", "/.a"), ("a/", "a./"), ("a//b", "a./.b"), ("//", "/././"), ("/", "/./"),
        ("a/$b", "a.$b"), ("$SYS/x", "$SYS.x"), ("a/b*", "a.b*"), ("x/y.z", "x.y//z"), ("é/ü", "é.ü"),
    ]

    @Test("MQTT topic to NATS subject", arguments: Self.published)
    func topicToSubject(_ pair: (String, String)) {
        #expect(MQTTTopicMapping.subject(forTopic: pair.0) == pair.1)
    }

    /// NATS subject published → MQTT topic received (by a `#` subscriber).
    static let delivered: [(String, String)] = [
        ("a.b", "a/b"), ("a", "a"), ("a//b", "a.b"), ("/.a", "/a"), ("a./", "a/"), ("a./.b", "a//b"), ("b.c.d", "b/c/d"),
        ("x./", "x/"), ("x/y.z", "xy/z"), ("q/r", "qr"), ("a.b/c", "a/bc"), ("w.*b", "w/*b"), ("/./", "/"), ("/././", "//"),
    ]

    @Test("NATS subject to MQTT topic", arguments: Self.delivered)
    func subjectToTopic(_ pair: (String, String)) {
        #expect(MQTTTopicMapping.topic(forSubject: pair.0) == pair.1)
    }

    @Test("topics that map to a subject map back to themselves")
    func roundTrip() {
        for (topic, _) in Self.published {
            let subject = MQTTTopicMapping.subject(forTopic: topic)
            #expect(subject.flatMap(MQTTTopicMapping.topic(forSubject:)) == topic, "\(topic) via \(subject ?? "nil")")
        }
    }

    @Test("refused on purpose: wildcard-looking levels, blanks, the empty topic")
    func refusals() {
        for topic in ["a/*", "a/>", "*", ">", "a b", "a\tb", "", "a/+", "#"] {
            #expect(MQTTTopicMapping.subject(forTopic: topic) == nil, "\(topic)")
        }
        // nats-server delivers NATS "/" as the empty topic, which MQTT clients must refuse.
        #expect(MQTTTopicMapping.topic(forSubject: "/") == nil)
    }

    @Test("filters: + is *, # is > and also its parent level")
    func filters() {
        #expect(MQTTTopicMapping.subjects(forFilter: "#") == [">"])
        #expect(MQTTTopicMapping.subjects(forFilter: "a/#") == ["a.>", "a"])
        #expect(MQTTTopicMapping.subjects(forFilter: "+/+") == ["*.*"])
        #expect(MQTTTopicMapping.subjects(forFilter: "/#") == ["/.>", "/"])
        #expect(MQTTTopicMapping.subjects(forFilter: "a.b/+/c") == ["a//b.*.c"])
        #expect(MQTTTopicMapping.subjects(forFilter: "a//#") == ["a./.>", "a./"])
        #expect(MQTTTopicMapping.subjects(forFilter: "a/*") == nil)
        #expect(MQTTTopicMapping.filterStartsWithWildcard("+/x") && MQTTTopicMapping.filterStartsWithWildcard("#"))
        #expect(!MQTTTopicMapping.filterStartsWithWildcard("$SYS/#"))
    }

    @Test("filter checks: + and # fill whole levels, # only last")
    func filterRules() {
        for good in ["#", "+", "a/#", "+/+/c", "/", "a//b", "sport/tennis/+/score"] {
            #expect(throws: Never.self, "\(good)") { try MQTTTopicRules.checkFilter(good) }
        }
        for bad in ["", "a#", "#/a", "a/#/b", "a+", "+a/b", "a/b+"] {
            #expect(throws: MQTTParseError.self, "\(bad)") { try MQTTTopicRules.checkFilter(bad) }
        }
    }
}
