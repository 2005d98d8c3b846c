import Subjects
import Testing

@testable import Broker

/// The one fan-out every publisher uses, on plain values: who gets a message, and how.
@Suite("Fan-out plan")
struct FanoutPlanTests {
    final class Link: FanoutLink {
        let name: String
        let isSolicitedLink: Bool
        init(_ name: String, solicited: Bool = false) {
            self.name = name
            self.isSolicitedLink = solicited
        }
    }

    final class Member: FanoutMember {
        let name: String
        let fanoutLink: Link?
        /// Refuses deliveries (closed, over its maximum, denied, or the publisher with echo off).
        let refuses: Bool
        init(_ name: String, link: Link? = nil, refuses: Bool = false) {
            self.name = name
            self.fanoutLink = link
            self.refuses = refuses
        }
    }

    /// Records what the plan asked for.
    struct Recorder: FanoutSink {
        typealias Message = String
        var local: [String] = []
        var forwarded: [(link: String, member: String, queues: [String])] = []

        mutating func deliverLocally(to member: Member, _ message: borrowing String) -> Bool {
            #expect(message == "hello")
            if member.refuses { return false }
            local.append(member.name)
            return true
        }

        mutating func forward(over link: Link, member: Member, queues: [String], _ message: borrowing String) {
            #expect(message == "hello")
            forwarded.append((link.name, member.name, queues))
        }
    }

    private func run(_ match: SubjectMatch<Member>, plan: FanoutPlan<Member> = .init(), seed: UInt64 = 1) -> (delivered: Bool, Recorder) {
        var recorder = Recorder()
        var random = XorshiftRandom(seed: seed)
        let delivered = plan.run(match, "hello", random: &random, sink: &recorder)
        return (delivered, recorder)
    }

    @Test("no subscriber: nobody gets it, and the publisher can be told (no responders)")
    func empty() {
        let (delivered, recorder) = run(SubjectMatch())
        #expect(!delivered && recorder.local.isEmpty && recorder.forwarded.isEmpty)
    }

    @Test("every plain subscriber gets a copy; one that refuses does not count")
    func plain() {
        let (delivered, recorder) = run(SubjectMatch(plain: [Member("a"), Member("closed", refuses: true), Member("b")]))
        #expect(delivered && recorder.local == ["a", "b"])
        let (nobody, _) = run(SubjectMatch(plain: [Member("closed", refuses: true)]))
        #expect(!nobody)
    }

    @Test("a queue group gets one copy, from a member chosen at random; a member that refuses passes it on")
    func queueGroup() {
        let members = (0..<4).map { Member("m\($0)") }
        var counts: [String: Int] = [:]
        var random = XorshiftRandom(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<400 {
            var recorder = Recorder()
            let delivered = FanoutPlan<Member>().run(
                SubjectMatch(queueGroups: [QueueGroup(name: "q", members: members)]), "hello", random: &random, sink: &recorder)
            #expect(delivered && recorder.local.count == 1)
            for name in recorder.local { counts[name, default: 0] += 1 }
        }
        #expect(counts.count == 4 && counts.values.allSatisfy { $0 > 50 }, "spread over the members: \(counts)")
        let refusing = [Member("r1", refuses: true), Member("ok"), Member("r2", refuses: true)]
        for seed in 1...16 {
            let (delivered, recorder) = run(SubjectMatch(queueGroups: [QueueGroup(name: "q", members: refusing)]), seed: UInt64(seed))
            #expect(delivered && recorder.local == ["ok"])
        }
        let (nobody, none) = run(SubjectMatch(queueGroups: [QueueGroup(name: "q", members: [Member("r", refuses: true)])]))
        #expect(!nobody && none.local.isEmpty)
    }

    @Test("a queue group prefers its local members; a link's member serves it only when none took it")
    func localPreference() {
        let hub = Link("hub", solicited: true)
        for seed in 1...32 {
            let group = QueueGroup(name: "workers", members: [Member("remote", link: hub), Member("local")])
            let (_, recorder) = run(SubjectMatch(queueGroups: [group]), seed: UInt64(seed))
            #expect(recorder.local == ["local"] && recorder.forwarded.isEmpty)
        }
        let fallback = QueueGroup(name: "workers", members: [Member("busy", refuses: true), Member("remote", link: hub)])
        let (delivered, recorder) = run(SubjectMatch(queueGroups: [fallback]))
        #expect(delivered && recorder.local.isEmpty)
        #expect(recorder.forwarded.map(\.link) == ["hub"] && recorder.forwarded.first?.queues == ["workers"])
    }

    @Test("each link gets one copy after the local ones, naming the queue groups given to it")
    func oneCopyPerLink() {
        let hub = Link("hub", solicited: true)
        let device = Link("device")
        let match = SubjectMatch(
            plain: [
                Member("hub-plain", link: hub), Member("local"), Member("hub-plain-2", link: hub), Member("device-plain", link: device),
            ],
            queueGroups: [
                QueueGroup(name: "q1", members: [Member("hub-q1", link: hub)]),
                QueueGroup(name: "q2", members: [Member("hub-q2", link: hub)]),
            ]
        )
        let (delivered, recorder) = run(match)
        #expect(delivered && recorder.local == ["local"])
        #expect(recorder.forwarded.count == 2)
        #expect(
            recorder.forwarded[0].link == "hub" && recorder.forwarded[0].member == "hub-plain"
                && recorder.forwarded[0].queues == ["q1", "q2"])
        #expect(recorder.forwarded[1].link == "device" && recorder.forwarded[1].queues == [])
        // A link that only serves a queue group names it; one with only plain interest names none.
        let (_, queueOnly) = run(SubjectMatch(queueGroups: [QueueGroup(name: "q", members: [Member("x", link: device)])]))
        #expect(queueOnly.forwarded.first?.queues == ["q"])
    }

    @Test("never back over the link it came from; from a hub to no other hub; to devices below, yes")
    func linkRules() {
        let hub = Link("hub", solicited: true)
        let otherHub = Link("other-hub", solicited: true)
        let device = Link("device")
        let match = SubjectMatch(plain: [Member("a", link: hub), Member("b", link: otherHub), Member("c", link: device), Member("local")])
        let (_, fromHub) = run(match, plan: FanoutPlan(arrivedOver: hub))
        #expect(fromHub.forwarded.map(\.link) == ["device"] && fromHub.local == ["local"])
        let (_, fromDevice) = run(match, plan: FanoutPlan(arrivedOver: device))
        #expect(fromDevice.forwarded.map(\.link) == ["hub", "other-hub"])
        let (_, fromClient) = run(match)
        #expect(fromClient.forwarded.map(\.link) == ["hub", "other-hub", "device"])
        // A queue group whose only member is behind the link the message came over: nobody.
        let (delivered, back) = run(
            SubjectMatch(queueGroups: [QueueGroup(name: "q", members: [Member("a", link: hub)])]), plan: FanoutPlan(arrivedOver: hub))
        #expect(!delivered && back.forwarded.isEmpty)
    }

    @Test("a message that came over a link serves only the queue groups its sender named")
    func servedQueues() {
        let device = Link("device")
        let match = SubjectMatch(
            plain: [Member("p")],
            queueGroups: [QueueGroup(name: "a", members: [Member("qa")]), QueueGroup(name: "b", members: [Member("qb")])])
        let (_, named) = run(match, plan: FanoutPlan(arrivedOver: device, servedQueues: ["b"]))
        #expect(named.local == ["p", "qb"])
        let (_, none) = run(match, plan: FanoutPlan(arrivedOver: device, servedQueues: []))
        #expect(none.local == ["p"])
    }
}
