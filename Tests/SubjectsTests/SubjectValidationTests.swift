import Testing

@testable import Subjects

@Suite("Subject validation")
struct SubjectValidationTests {
    @Test(
        "valid subscription subjects",
        arguments: [
            "foo", "foo.bar", "foo.*", "*.bar", ">", "foo.>", "*.*.>", "foo.*bar", "foo.b>r", "a.b.c.d.e", "$JS.API.>", "_INBOX.abc.*",
        ]
    )
    func valid(subject: String) {
        #expect(SubjectValidation.isValidSubject(subject))
    }

    @Test(
        "invalid subjects",
        arguments: ["", ".", "foo.", ".foo", "foo..bar", "foo bar", "foo\tbar", "foo\nbar", ">.foo", "foo.>.bar", "*.>.x", " foo"]
    )
    func invalid(subject: String) {
        #expect(!SubjectValidation.isValidSubject(subject))
        #expect(!SubjectValidation.isValidLiteralSubject(subject))
    }

    @Test("literal subjects have no wildcard tokens")
    func literal() {
        #expect(SubjectValidation.isValidLiteralSubject("foo.bar"))
        #expect(SubjectValidation.isValidLiteralSubject("foo.*bar"))
        #expect(!SubjectValidation.isValidLiteralSubject("foo.*"))
        #expect(!SubjectValidation.isValidLiteralSubject(">"))
        #expect(SubjectValidation.hasWildcard("a.*.c"))
        #expect(SubjectValidation.hasWildcard("a.>"))
        #expect(!SubjectValidation.hasWildcard("a.b*.c"))
    }

    @Test("queue names")
    func queueNames() {
        for (name, valid) in [("workers", true), ("a.b", true), ("", false), ("a b", false), ("a\tb", false)] {
            var copy = name
            let result = copy.withUTF8 { SubjectValidation.isValidQueueName(UnsafeRawBufferPointer($0)) }
            #expect(result == valid, "\(name)")
        }
    }
}

extension SubjectValidationTests {
    @Test("ack subjects are told apart by their prefix alone")
    func ackSubjects() {
        func isAck(_ subject: String) -> Bool {
            var subject = subject
            return subject.withUTF8 { SubjectValidation.isAckSubject(UnsafeRawBufferPointer($0)) }
        }
        #expect(isAck("$JS.ACK.ORDERS.worker.1.17.30.1795754403000000000.5"))
        #expect(isAck("$JS.ACK.x"))
        #expect(!isAck("$JS.ACK."))
        #expect(!isAck("$JS.ACK"))
        #expect(!isAck("$JS.ACKS.x"))
        #expect(!isAck("$JS.API.STREAM.INFO.S"))
        #expect(!isAck("$js.ack.x"))
        #expect(!isAck(""))
    }
}

@Suite("Subject patterns")
struct SubjectPatternTests {
    @Test(
        "matching",
        arguments: [
            ("foo", "foo", true), ("foo", "bar", false), ("foo.*", "foo.bar", true), ("foo.*", "foo", false),
            ("foo.*", "foo.bar.baz", false), ("foo.>", "foo.bar.baz", true), ("foo.>", "foo", false),
            (">", "foo", true), (">", "foo.bar", true), ("*", "foo", true), ("*", "foo.bar", false),
            ("*.bar", "foo.bar", true), ("*.bar", "foo.baz", false), ("foo.*.baz", "foo.x.baz", true),
            ("foo.*.>", "foo.x", false), ("foo.*.>", "foo.x.y", true), ("fo", "foo", false), ("foo", "fo", false),
            ("foo.bar", "foo.ba", false), ("a.b.c", "a.b.c", true),
        ]
    )
    func matching(pattern: String, subject: String, expected: Bool) {
        #expect(SubjectPattern.matches(pattern: pattern, subject: subject) == expected)
    }

    @Test("intersections and subsets")
    func overlap() {
        #expect(SubjectPattern.intersects("foo.*", "foo.bar"))
        #expect(SubjectPattern.intersects("foo.>", "*.bar"))
        #expect(!SubjectPattern.intersects("foo.*", "bar.*"))
        #expect(!SubjectPattern.intersects("foo.*", "foo.bar.baz"))
        #expect(SubjectPattern.isSubset("foo.bar", of: "foo.*"))
        #expect(SubjectPattern.isSubset("foo.*", of: "foo.>"))
        #expect(!SubjectPattern.isSubset("foo.>", of: "foo.*"))
        #expect(!SubjectPattern.isSubset("foo", of: "foo.>"))
    }
}
