/// A JetStream API error as nats-server sends it:
/// `{"code":404,"err_code":10059,"description":"stream not found"}`.
/// (Interim subset; the full table generated from errors.json replaces this file.)
public struct JetStreamAPIError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var code: Int
    public var errorCode: Int
    public var description: String

    public init(code: Int, errorCode: Int, description: String) {
        self.code = code
        self.errorCode = errorCode
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case code
        case errorCode = "err_code"
        case description
    }

    public static let badRequest = JetStreamAPIError(code: 400, errorCode: 10003, description: "bad request")
    public static let invalidJSON = JetStreamAPIError(code: 400, errorCode: 10025, description: "invalid JSON")
    public static let streamNotFound = JetStreamAPIError(code: 404, errorCode: 10059, description: "stream not found")
    public static let streamNameExist = JetStreamAPIError(code: 400, errorCode: 10058, description: "stream name already in use with a different configuration")
    public static let streamSubjectOverlap = JetStreamAPIError(code: 400, errorCode: 10065, description: "subjects overlap with an existing stream")
    public static let streamMismatch = JetStreamAPIError(code: 400, errorCode: 10056, description: "stream name in subject does not match request")
    public static let consumerNotFound = JetStreamAPIError(code: 404, errorCode: 10014, description: "consumer not found")
    public static let noMessageFound = JetStreamAPIError(code: 404, errorCode: 10037, description: "no message found")
    public static let notEnabled = JetStreamAPIError(code: 503, errorCode: 10076, description: "JetStream not enabled")
    public static let streamMessageExceedsMaximum = JetStreamAPIError(code: 400, errorCode: 10054, description: "message size exceeds maximum allowed")
    public static let streamNotMatch = JetStreamAPIError(code: 400, errorCode: 10060, description: "expected stream does not match")
    public static let streamSealed = JetStreamAPIError(code: 400, errorCode: 10109, description: "invalid operation on sealed stream")
    public static func streamWrongLastSequence(_ sequence: UInt64) -> JetStreamAPIError {
        JetStreamAPIError(code: 400, errorCode: 10071, description: "wrong last sequence: \(sequence)")
    }
    public static func streamWrongLastMsgID(_ id: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 400, errorCode: 10070, description: "wrong last msg ID: \(id)")
    }
    public static func streamCreate(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10049, description: error)
    }
    public static func streamStoreFailed(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 503, errorCode: 10077, description: error)
    }
    public static let storageResourcesExceeded = JetStreamAPIError(code: 500, errorCode: 10047, description: "insufficient storage resources available")
    public static func streamRollupFailed(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10111, description: error)
    }
    public static let consumerConfigRequired = JetStreamAPIError(code: 400, errorCode: 10078, description: "consumer config required")
    public static let consumerDurableNameNotMatchSubject = JetStreamAPIError(code: 400, errorCode: 10017, description: "consumer name in subject does not match durable name in request")
    public static let consumerCreateFilterSubjectMismatch = JetStreamAPIError(code: 400, errorCode: 10131, description: "Consumer create request did not match filtered subject from create subject")
    public static func streamPurgeFailed(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10110, description: error)
    }
    public static func streamMsgDeleteFailed(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10057, description: error)
    }
    public static func streamGeneralError(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10051, description: error)
    }
    public static func streamInvalidConfig(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10052, description: error)
    }
    public static func streamUpdate(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10069, description: error)
    }
    public static let maximumConsumersLimit = JetStreamAPIError(code: 400, errorCode: 10026, description: "maximum consumers limit reached")
    public static let consumerNameExist = JetStreamAPIError(code: 400, errorCode: 10013, description: "consumer name already in use")
    public static let streamReplicasNotSupported = JetStreamAPIError(code: 500, errorCode: 10074, description: "replicas > 1 not supported in non-clustered mode")
    public static let consumerExistingActive = JetStreamAPIError(code: 400, errorCode: 10105, description: "consumer already exists and is still active")
    public static let replicasCountCannotBeNegative = JetStreamAPIError(code: 400, errorCode: 10133, description: "replicas count cannot be negative")
    public static let mirrorWithSubjects = JetStreamAPIError(code: 400, errorCode: 10034, description: "stream mirrors can not contain subjects")
    public static let mirrorWithSources = JetStreamAPIError(code: 400, errorCode: 10031, description: "stream mirrors can not also contain other sources")
    public static let streamMirrorNotUpdatable = JetStreamAPIError(code: 400, errorCode: 10055, description: "stream mirror configuration can not be updated")
    public static let consumerBadDurableName = JetStreamAPIError(code: 400, errorCode: 10103, description: "durable name can not contain '.', '*', '>'")
    public static let consumerCreateDurableAndNameMismatch = JetStreamAPIError(code: 400, errorCode: 10132, description: "Consumer Durable and Name have to be equal if both are provided")
    public static let consumerDeliverToWildcards = JetStreamAPIError(code: 400, errorCode: 10079, description: "consumer deliver subject has wildcards")
    public static let consumerInvalidDeliverSubject = JetStreamAPIError(code: 400, errorCode: 10112, description: "invalid push consumer deliver subject")
    public static let consumerPushMaxWaiting = JetStreamAPIError(code: 400, errorCode: 10080, description: "consumer in push mode can not set max waiting")
    public static let consumerDeliverCycle = JetStreamAPIError(code: 400, errorCode: 10081, description: "consumer deliver subject forms a cycle")
    public static let consumerPullRequiresAck = JetStreamAPIError(code: 400, errorCode: 10084, description: "consumer in pull mode requires ack policy")
    public static let consumerHeartbeatRequiresPush = JetStreamAPIError(code: 400, errorCode: 10088, description: "consumer idle heartbeat requires a push based consumer")
    public static let consumerFlowControlRequiresPush = JetStreamAPIError(code: 400, errorCode: 10089, description: "consumer flow control requires a push based consumer")
    public static let consumerPullWithRateLimit = JetStreamAPIError(code: 400, errorCode: 10086, description: "consumer in pull mode can not have rate limit set")
    public static let consumerMaxWaitingNegative = JetStreamAPIError(code: 400, errorCode: 10087, description: "consumer max waiting needs to be positive")
    public static let consumerMaxPendingAckPolicyRequired = JetStreamAPIError(code: 400, errorCode: 10082, description: "consumer requires ack policy for max ack pending")
    public static let consumerSmallHeartbeat = JetStreamAPIError(code: 400, errorCode: 10083, description: "consumer idle heartbeat needs to be >= 100ms")
    public static let consumerWithFlowControlNeedsHeartbeats = JetStreamAPIError(code: 400, errorCode: 10108, description: "consumer with flow control also needs heartbeats")
    public static let consumerMaxDeliverBackoff = JetStreamAPIError(code: 400, errorCode: 10116, description: "max deliver is required to be > length of backoff values")
    public static let consumerDuplicateFilterSubjects = JetStreamAPIError(code: 400, errorCode: 10136, description: "consumer cannot have both FilterSubject and FilterSubjects specified")
    public static let consumerFilterNotSubset = JetStreamAPIError(code: 400, errorCode: 10093, description: "consumer filter subject is not a valid subset of the interest subjects")
    public static func consumerInvalidPolicy(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 400, errorCode: 10094, description: error)
    }
    public static let consumerWorkQueueRequiresExplicitAck = JetStreamAPIError(code: 400, errorCode: 10098, description: "workqueue stream requires explicit ack")
    public static let consumerWorkQueueMultipleUnfiltered = JetStreamAPIError(code: 400, errorCode: 10099, description: "multiple non-filtered consumers not allowed on workqueue stream")
    public static let consumerWorkQueueNotUnique = JetStreamAPIError(code: 400, errorCode: 10100, description: "filtered consumer not unique on workqueue stream")
    public static let consumerWorkQueueNotDeliverAll = JetStreamAPIError(code: 400, errorCode: 10101, description: "consumer must be deliver all on workqueue stream")
    public static let consumerReplicasExceedsStream = JetStreamAPIError(code: 400, errorCode: 10126, description: "consumer config replica count exceeds parent stream")
    public static func consumerDescriptionTooLong(_ maximum: Int) -> JetStreamAPIError {
        JetStreamAPIError(code: 400, errorCode: 10107, description: "consumer description is too long, maximum allowed is \(maximum)")
    }
    public static let consumerMaxRequestBatchNegative = JetStreamAPIError(code: 400, errorCode: 10114, description: "consumer max request batch needs to be > 0")
    public static let consumerMaxRequestExpiresTooSmall = JetStreamAPIError(code: 400, errorCode: 10115, description: "consumer max request expires needs to be >= 1ms")
    public static func consumerCreate(_ error: String) -> JetStreamAPIError {
        JetStreamAPIError(code: 500, errorCode: 10012, description: error)
    }
}
