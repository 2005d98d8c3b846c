import Testing

@testable import Leafnode

/// The hub's permissions for a leafnode link (its INFO's `import` and `export`), as the spoke
/// applies them with its own deny lists (nats-server `processLeafnodeInfo`, `canSubscribe`).
@Suite("Leafnode hub permissions (rules)")
struct LeafSubjectRulesTests {
    private func link(denyImports: [String] = [], denyExports: [String] = [], _ permissions: LeafHubPermissions?) -> LeafSubjectRules {
        LeafSubjectRules(
            jetStreamEnabled: false, domain: nil, peerDenyPublish: [],
            remote: .init(denyImports: denyImports, denyExports: denyExports), hubPermissions: permissions
        )
    }

    private func publishes(_ link: LeafSubjectRules, _ subject: String) -> Bool {
        var subject = subject
        return subject.withUTF8 { link.mayPublish(UnsafeRawBufferPointer($0)) }
    }

    private func receives(_ link: LeafSubjectRules, _ subject: String) -> Bool {
        var subject = subject
        return subject.withUTF8 { link.mayReceive(UnsafeRawBufferPointer($0)) }
    }

    @Test("import: literal and covered interest pass, wildcards that cover an allowed subject pass, denies win")
    func interest() {
        let hub = LeafHubPermissions(import: .init(allow: ["bar.>", "q.> workers"], deny: ["bar.x"]), export: nil)
        let link = link(denyImports: ["bar.local"], hub)
        for allowed in ["bar.ok", "bar.a.b", "bar.*", "bar.>", ">", "$LDS.abc"] {
            #expect(!link.deniesInterest(allowed), "\(allowed)")
        }
        // "q.> workers" allows the workers group only (a nats-server hub refuses a plain LS+ there).
        #expect(!link.deniesInterest("q.jobs", queue: "workers"))
        #expect(link.deniesInterest("q.jobs") && link.deniesInterest("q.jobs", queue: "others"))
        for denied in ["zzz", "*", "bar.x", "bar.local", "foo.*"] {
            #expect(link.deniesInterest(denied), "\(denied)")
        }
        #expect(receives(link, "bar.ok") && receives(link, "q.jobs"))
        #expect(!receives(link, "bar.x") && !receives(link, "zzz") && !receives(link, "bar.local"))
    }

    @Test("export: only allowed subjects leave, minus the hub's and our own denies; the buffer obeys too")
    func export() {
        let hub = LeafHubPermissions(import: nil, export: .init(allow: ["foo.>"], deny: ["foo.secret"]))
        let link = link(denyExports: ["foo.mine"], hub)
        #expect(publishes(link, "foo.ok") && link.mayForward("foo.ok"))
        for denied in ["foo.secret", "foo.mine", "zzz", "bar.ok"] {
            #expect(!publishes(link, denied), "\(denied)")
            #expect(!link.mayForward(denied), "\(denied)")
        }
        // No import list: all interest crosses.
        #expect(!link.deniesInterest("anything.*"))
        // The hub's interest is taken where we may send to it, whatever we may import.
        #expect(!link.deniesPeerInterest("foo.ok") && !link.deniesPeerInterest("foo.*") && !link.deniesPeerInterest(">"))
        #expect(link.deniesPeerInterest("foo.secret") && link.deniesPeerInterest("zzz"))
        let importOnly = self.link(LeafHubPermissions(import: .init(allow: ["bar.>"], deny: nil), export: nil))
        #expect(!importOnly.deniesPeerInterest("telemetry.x"), "import rules say nothing about what we send")
    }

    @Test("no permissions from the hub: only the remote's own deny lists apply")
    func none() {
        let link = link(denyImports: ["in.x"], denyExports: ["out.x"], nil)
        #expect(publishes(link, "zzz") && !publishes(link, "out.x"))
        #expect(!link.deniesInterest("zzz") && link.deniesInterest("in.x"))
        #expect(receives(link, "zzz") && !receives(link, "in.x"))
    }

    @Test("an empty allow list allows nothing")
    func emptyAllow() {
        let link = link(LeafHubPermissions(import: .init(allow: [], deny: nil), export: .init(allow: [], deny: nil)))
        #expect(link.deniesInterest("a") && !publishes(link, "a") && !receives(link, "a"))
        #expect(!link.deniesInterest("$LDS.x"))
    }
}
