import Subjects

/// What the fan-out needs to know about one subscriber: whether it is a leafnode link's interest,
/// and which link. ``Subscription`` conforms; the tests use plain objects.
package protocol FanoutMember: AnyObject {
    associatedtype Link: FanoutLink
    /// The link this is the interest of; `nil` for a local subscriber (a session's or the
    /// server's own).
    var fanoutLink: Link? { get }
}

/// A leafnode link as the fan-out sees it.
package protocol FanoutLink: AnyObject {
    /// We dialled it: the peer is a hub.
    var isSolicitedLink: Bool { get }
}

/// Carries out the deliveries a ``FanoutPlan`` decides on. The message is handed through
/// borrowed, not kept in the sink: on the publish path a copy per message would cost a retain
/// and a release of its buffer.
package protocol FanoutSink {
    associatedtype Member: FanoutMember
    associatedtype Message
    /// Hands the message to a local subscriber. Returns whether it took it: not when its session
    /// is closed, past its auto-unsubscribe maximum, denied by its permissions, or the publisher
    /// itself with echo off (a queue group then tries another member). A subscriber on another
    /// event loop gets it through its inbox and counts as taken.
    mutating func deliverLocally(to member: Member, _ message: borrowing Message) -> Bool
    /// Sends the message once over `link` (whose interest `member` is), naming the queue groups
    /// given to it (none: it is for the link's plain interest).
    mutating func forward(over link: Member.Link, member: Member, queues: [String], _ message: borrowing Message)
}

/// The one set of rules every message's fan-out follows, whoever published it: a client, a
/// leafnode peer or the server itself (nats-server `processMsgResults`).
///
/// - Every plain subscriber gets a copy.
/// - Each queue group gets one copy, through a member chosen at random among the local ones (the
///   next one if it refuses), and through one of its leafnode links only when no local member
///   took it.
/// - Every leafnode link gets at most one copy, after the local deliveries, naming the queue
///   groups given to it.
/// - A link never gets back what came over it, and what came down from a hub goes up to no
///   other hub.
/// - A message that came over a link serves only the queue groups the link named.
package struct FanoutPlan<Member: FanoutMember> {
    /// The link the message came over, if any.
    package var arrivedOver: Member.Link?
    /// For a message that came over a link: the queue groups its sender gave it to (`nil`:
    /// every group).
    package var servedQueues: [String]?

    @inline(__always)
    package init(arrivedOver: Member.Link? = nil, servedQueues: [String]? = nil) {
        self.arrivedOver = arrivedOver
        self.servedQueues = servedQueues
    }

    /// Delivers `message` to the subscribers in `match`. Returns whether anyone got it.
    @inline(__always)
    package func run<Sink: FanoutSink, Random: RandomNumberGenerator>(
        _ match: borrowing SubjectMatch<Member>, _ message: borrowing Sink.Message, random: inout Random, sink: inout Sink
    ) -> Bool where Sink.Member == Member {
        if match.isEmpty { return false }
        var delivered = false
        var links = LinkTargets<Member>()
        for member in match.plain {
            if let link = member.fanoutLink {
                if mayForward(over: link) { links.add(link, member: member, queue: nil) }
                continue
            }
            if sink.deliverLocally(to: member, message) { delivered = true }
        }
        for group in match.queueGroups {
            if let servedQueues, !servedQueues.contains(group.name) { continue }
            let members = group.members
            let count = members.count
            if count == 0 { continue }
            // A random start, by multiplying instead of dividing (Lemire's range reduction: a
            // division costs tens of cycles, and this runs for every message to a group).
            var index = count > 1 ? Int(((random.next() >> 32) &* UInt64(count)) >> 32) : 0
            var remoteMember: (link: Member.Link, member: Member)?
            var served = false
            for _ in 0..<count {
                let member = members[index]
                index = index + 1 == count ? 0 : index + 1
                if let link = member.fanoutLink {
                    if remoteMember == nil, mayForward(over: link) { remoteMember = (link, member) }
                    continue
                }
                if sink.deliverLocally(to: member, message) {
                    served = true
                    break
                }
            }
            if served {
                delivered = true
            } else if let remoteMember {
                links.add(remoteMember.link, member: remoteMember.member, queue: group.name)
            }
        }
        if !links.targets.isEmpty {
            for target in links.targets {
                sink.forward(over: target.link, member: target.member, queues: target.queues, message)
            }
            delivered = true
        }
        return delivered
    }

    /// Never back over the link it came from, and not from one hub to another (a message that
    /// came down a solicited link does not go up another solicited link, as in nats-server).
    @inline(__always)
    private func mayForward(over link: Member.Link) -> Bool {
        guard let arrivedOver else { return true }
        if link === arrivedOver { return false }
        return !(arrivedOver.isSolicitedLink && link.isSolicitedLink)
    }
}

/// The links one message goes to, collected while routing it: each link once, however many of
/// its subscriptions matched, with the queue groups given to it (nats-server builds the same
/// `+`/`|` queue list in `processMsgResults`).
struct LinkTargets<Member: FanoutMember> {
    struct Target {
        var link: Member.Link
        /// One of the link's matching subscriptions (kept for cross-loop deliveries).
        var member: Member
        var queues: [String]
    }

    private(set) var targets: [Target] = []

    @inline(__always)
    mutating func add(_ link: Member.Link, member: Member, queue: String?) {
        if let index = targets.firstIndex(where: { $0.link === link }) {
            if let queue { targets[index].queues.append(queue) }
            return
        }
        targets.append(Target(link: link, member: member, queues: queue.map { [$0] } ?? []))
    }
}
