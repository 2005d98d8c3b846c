/// Public (not `package`) with `@inlinable` members on purpose: Swift 6.3 neither inlines nor
/// specialises `@inlinable package` declarations across modules, and on the publish path an
/// unspecialised generic costs more than the routing itself (generic metadata look-ups).
///
/// The subscribers interested in one literal subject: plain subscribers each get a copy,
/// each queue group gets one copy delivered to one of its members.
public struct SubjectMatch<Value: AnyObject> {
    public var plain: [Value]
    public var queueGroups: [QueueGroup<Value>]

    @inlinable
    public init(plain: [Value] = [], queueGroups: [QueueGroup<Value>] = []) {
        self.plain = plain
        self.queueGroups = queueGroups
    }

    /// No plain subscriber and no queue group.
    @inlinable @inline(__always)
    public var isEmpty: Bool { plain.isEmpty && queueGroups.isEmpty }

    /// Adds one subscriber; queue members join the group of the same name if the result has it.
    @inlinable
    public mutating func add(_ value: Value, queue: String?) {
        guard let queue else {
            plain.append(value)
            return
        }
        if let index = queueGroups.firstIndex(where: { $0.name == queue }) {
            queueGroups[index].members.append(value)
        } else {
            queueGroups.append(QueueGroup(name: queue, members: [value]))
        }
    }

    /// Removes one subscriber (by identity); empty queue groups disappear.
    @inlinable
    public mutating func remove(_ value: Value, queue: String?) {
        guard let queue else {
            if let index = plain.firstIndex(where: { $0 === value }) { plain.remove(at: index) }
            return
        }
        guard let groupIndex = queueGroups.firstIndex(where: { $0.name == queue }) else { return }
        if let index = queueGroups[groupIndex].members.firstIndex(where: { $0 === value }) {
            queueGroups[groupIndex].members.remove(at: index)
        }
        if queueGroups[groupIndex].members.isEmpty { queueGroups.remove(at: groupIndex) }
    }
}

/// Members of one queue group within a ``SubjectMatch``.
public struct QueueGroup<Value: AnyObject> {
    public let name: String
    public var members: [Value]

    @inlinable
    public init(name: String, members: [Value]) {
        self.name = name
        self.members = members
    }
}

extension SubjectMatch: Sendable where Value: Sendable {}
extension QueueGroup: Sendable where Value: Sendable {}
