/// `outpost bench`: a load generator in the spirit of `nats bench` (filled in below).
enum BenchCommand {
    static func main(_ arguments: [String]) async {
        SystemFiles.standardError("outpost bench: not implemented yet\n")
    }
}
