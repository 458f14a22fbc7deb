/// Memory one idle fiber costs, measured by creating many of them.
struct MemoryFigure: Sendable {
    var implementation: String
    var fibers: Int
    /// Resident-set growth divided by `fibers`.
    var residentBytesPerFiber: Double
    /// Bytes the implementation allocated for each fiber, when it says so.
    var allocatedBytesPerFiber: Double?
}

extension MemoryFigure {
    /// The probe's stdout: `implementation<TAB>fibers<TAB>resident<TAB>allocated`
    /// (allocated may be `-`), or `unavailable`.
    var probeLine: String {
        [
            implementation, String(fibers), format(residentBytesPerFiber, decimals: 1),
            allocatedBytesPerFiber.map { format($0, decimals: 1) } ?? "-",
        ].joined(separator: "\t")
    }

    /// Parses `probeLine`; nil for `unavailable`.
    init?(probeLine line: String) throws {
        if line == "unavailable" { return nil }
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 4, let fibers = Int(fields[1]), let resident = Double(fields[2]) else {
            throw BenchError(description: "memory probe: unexpected output '\(line)'")
        }
        self.init(
            implementation: String(fields[0]), fibers: fibers, residentBytesPerFiber: resident,
            allocatedBytesPerFiber: Double(fields[3]))
    }
}
