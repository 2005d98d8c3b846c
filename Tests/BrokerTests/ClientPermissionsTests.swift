import Testing

@testable import Broker

/// nats-server's permission rules (`canSubscribe`, `pubAllowedFullCheck`, `checkDenySub`).
@Suite("Client permissions")
struct ClientPermissionsTests {
    private func publish(_ permissions: ClientPermissions, _ subject: String) -> Bool {
        Array(subject.utf8).withUnsafeBytes { permissions.mayPublish($0) }
    }

    @Test("publish: allow list, deny wins, no lists allow all")
    func publishLists() {
        let rules = ClientPermissions(PermissionRules(publishAllow: ["req.>", "foo.*"], publishDeny: ["foo.bad"]))
        #expect(publish(rules, "req.a.b"))
        #expect(publish(rules, "foo.x"))
        #expect(!publish(rules, "foo.bad"))
        #expect(!publish(rules, "foo.x.y"))
        #expect(!publish(rules, "bar"))
        // Asked twice: the cached verdict is the same.
        #expect(!publish(rules, "foo.bad"))
        #expect(publish(ClientPermissions(PermissionRules(subscribeAllow: ["x"])), "anything"))
        #expect(!publish(ClientPermissions(PermissionRules(publishAllow: [])), "anything"))
    }

    @Test("subscribe: queue entries admit or refuse only their queue")
    func subscribeQueues() {
        let rules = ClientPermissions(
            PermissionRules(
                subscribeAllow: ["foo.>", "q.> workers"], subscribeDeny: ["foo.secret", "foo.jobs nosy"]))
        #expect(rules.maySubscribe(subject: "foo.a", queue: nil))
        #expect(rules.maySubscribe(subject: "foo.a", queue: "any"))
        #expect(!rules.maySubscribe(subject: "foo.secret", queue: nil))
        #expect(!rules.maySubscribe(subject: "foo.secret", queue: "any"))
        #expect(rules.maySubscribe(subject: "foo.jobs", queue: nil))
        #expect(!rules.maySubscribe(subject: "foo.jobs", queue: "nosy"))
        #expect(rules.maySubscribe(subject: "q.a", queue: "workers"))
        #expect(!rules.maySubscribe(subject: "q.a", queue: "others"))
        #expect(!rules.maySubscribe(subject: "q.a", queue: nil))
        // A subscription's wildcards are literal tokens: `foo.>` is not refused by the narrower
        // deny, but the deny then filters its deliveries.
        #expect(rules.maySubscribe(subject: "foo.>", queue: nil))
        #expect(Array("foo.secret".utf8).withUnsafeBytes { rules.deniesDelivery(of: $0) })
        #expect(!Array("foo.public".utf8).withUnsafeBytes { rules.deniesDelivery(of: $0) })
    }

    @Test("allow_responses: one answer per request by default, only to replies received")
    func responses() {
        let rules = ClientPermissions(
            PermissionRules(
                publishAllow: [], subscribeAllow: ["req.>"], responses: ResponseAllowance(maxMessages: 1, expires: .seconds(60))))
        #expect(!publish(rules, "_INBOX.one"))
        Array("_INBOX.one".utf8).withUnsafeBytes { rules.recordReply($0) }
        #expect(publish(rules, "_INBOX.one"))
        #expect(!publish(rules, "_INBOX.one"))
        #expect(!publish(rules, "_INBOX.two"))

        let expired = ClientPermissions(
            PermissionRules(
                publishAllow: [], responses: ResponseAllowance(maxMessages: 0, expires: .nanoseconds(1))))
        Array("_INBOX.late".utf8).withUnsafeBytes { expired.recordReply($0) }
        #expect(!publish(expired, "_INBOX.late"))

        let unlimited = ClientPermissions(
            PermissionRules(
                publishAllow: [], responses: ResponseAllowance(maxMessages: 0, expires: .zero)))
        Array("_INBOX.many".utf8).withUnsafeBytes { unlimited.recordReply($0) }
        for _ in 0..<5 { #expect(publish(unlimited, "_INBOX.many")) }
    }
}
