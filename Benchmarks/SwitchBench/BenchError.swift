/// A benchmark that could not run, with the reason (printed, then skipped).
struct BenchError: Error, CustomStringConvertible {
    var description: String
}
