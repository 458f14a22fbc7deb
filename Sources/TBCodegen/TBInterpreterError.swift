/// Why the reference interpreter stopped a TB.
public struct TBInterpreterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Hashable {
        /// A memory access outside the memory (a Wasm trap in the emitted code).
        case trap(TBTrap)
        /// The TB calls a helper the caller did not supply.
        case missingHelper(String)
        /// More loop iterations (taken branches and `goto_tb` to the same TB) than allowed.
        case stepLimitExceeded(Int)
        /// A resumption was asked for at an op that calls no helper (or outside the TB).
        case badResumePoint(Int)
    }

    /// What went wrong.
    public var reason: Reason
    /// The index of the op being executed (-1 for the prologue).
    public var opIndex: Int

    /// Creates an error.
    public init(_ reason: Reason, opIndex: Int) {
        self.reason = reason
        self.opIndex = opIndex
    }

    /// Where and what, in words.
    public var description: String {
        let place = opIndex < 0 ? "TB prologue" : "op \(opIndex)"
        switch reason {
        case .trap(let t): return "\(place): \(t)"
        case .missingHelper(let n): return "\(place): no implementation for helper '\(n)'"
        case .stepLimitExceeded(let n): return "\(place): step limit of \(n) loop iterations exceeded"
        case .badResumePoint(let i): return "cannot resume at op \(i): it calls no helper"
        }
    }
}
