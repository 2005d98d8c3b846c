import Testing

@testable import Subjects

/// Expected mappings follow nats-server's `newTransform` (its `TestSubjectTransforms` cases for
/// the wildcard forms).
@Suite("Subject transform")
struct SubjectTransformTests {
    @Test(
        "mappings",
        arguments: [
            (">", ">", "a.b.c", "a.b.c"),
            (">", "bar.>", "$KV.B.hello.world", "bar.$KV.B.hello.world"),
            ("foo.>", "bar.>", "foo.x.y", "bar.x.y"),
            ("foo.*", "bar.$1", "foo.x", "bar.x"),
            ("foo.*.*", "bar.$2.$1", "foo.x.y", "bar.y.x"),
            ("foo.*.*", "bar.{{wildcard(2)}}.{{wildcard(1)}}", "foo.x.y", "bar.y.x"),
            ("foo.*.>", "bar.$1.>", "foo.x.y.z", "bar.x.y.z"),
            ("foo.bar", "baz", "foo.bar", "baz"),
        ]
    )
    func mapping(source: String, destination: String, subject: String, expected: String) throws {
        let transform = try #require(SubjectTransform(source: source, destination: destination))
        #expect(transform.apply(subject) == expected)
    }

    @Test("a subject outside the source is not mapped")
    func outside() throws {
        let transform = try #require(SubjectTransform(source: "foo.*", destination: "bar.$1"))
        #expect(transform.apply("foo.x.y") == nil)
        #expect(transform.apply("other.x") == nil)
    }

    @Test(
        "invalid mappings",
        arguments: [
            ("foo.*", "bar.*"),  // `*` in the destination
            ("foo.*", "bar"),  // a source wildcard left unused
            ("foo.>", "bar"),  // `>` on one side only
            ("foo", "bar.>"),
            ("foo.*", "bar.$2"),  // no second wildcard
            ("foo", "bar.$1"),  // no wildcard at all
            ("foo.*", "bar.{{partition(2,1)}}"),  // unsupported function
            ("foo..bar", "x"),
            ("foo.*", ""),
        ]
    )
    func invalid(source: String, destination: String) {
        #expect(SubjectTransform(source: source, destination: destination) == nil)
    }
}
