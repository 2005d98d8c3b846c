/// What an account without JetStream gets for any `$JS.API` request while the server runs
/// JetStream for other accounts: error 10039 "JetStream not enabled for account", in the
/// response type the request would have had (clients decode by it), as nats-server answers.
public enum DisabledAccountAnswer {
    /// The answer to a request on `subject` (`$JS.API.…` or `$JS.<domain>.API.…`); `nil` for
    /// pull requests and direct gets, which nats-server leaves unanswered (a pull client would
    /// take a JSON body for a message).
    public static func reply(to subject: String) -> [UInt8]? {
        var tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        if let api = tokens.firstIndex(of: "API") { tokens.removeFirst(api + 1) }
        if tokens.first == "DIRECT" || (tokens.count > 2 && tokens[0] == "CONSUMER" && tokens[1] == "MSG" && tokens[2] == "NEXT") {
            return nil
        }
        let type = responseType(tokens)
        var answer = APIResponse.failure(type: type, .notEnabledForAccount)
        // List answers carry their paging fields even then.
        if type == APIResponseType.streamNames || type == APIResponseType.streamList
            || type == APIResponseType.consumerNames || type == APIResponseType.consumerList
        {
            let list = type.hasPrefix(APIResponseType.prefix + "stream") ? "streams" : "consumers"
            answer.removeLast()
            answer += Array(",\"total\":0,\"offset\":0,\"limit\":0,\"\(list)\":null}".utf8)
        }
        return answer
    }

    static func responseType(_ tokens: [Substring]) -> String {
        let kind = tokens.first ?? ""
        let verb = tokens.count > 1 ? tokens[1] : ""
        switch (kind, verb) {
        case ("INFO", _): return APIResponseType.accountInfo
        case ("STREAM", "CREATE"): return APIResponseType.streamCreate
        case ("STREAM", "UPDATE"): return APIResponseType.streamUpdate
        case ("STREAM", "INFO"): return APIResponseType.streamInfo
        case ("STREAM", "NAMES"): return APIResponseType.streamNames
        case ("STREAM", "LIST"): return APIResponseType.streamList
        case ("STREAM", "DELETE"): return APIResponseType.streamDelete
        case ("STREAM", "PURGE"): return APIResponseType.streamPurge
        case ("STREAM", "MSG"):
            return tokens.count > 2 && tokens[2] == "DELETE" ? APIResponseType.streamMessageDelete : APIResponseType.streamMessageGet
        case ("CONSUMER", "CREATE"), ("CONSUMER", "DURABLE"): return APIResponseType.consumerCreate
        case ("CONSUMER", "INFO"): return APIResponseType.consumerInfo
        case ("CONSUMER", "NAMES"): return APIResponseType.consumerNames
        case ("CONSUMER", "LIST"): return APIResponseType.consumerList
        case ("CONSUMER", "DELETE"): return APIResponseType.consumerDelete
        default: return APIResponseType.prefix + "\(kind.lowercased())_response"
        }
    }
}
