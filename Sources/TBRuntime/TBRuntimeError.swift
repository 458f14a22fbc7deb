import TBCodegen

/// Why the TB runtime could not run a TB.
public struct TBRuntimeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable {
        /// `execute` reached a guest pc with no TB installed.
        case noTranslationBlock(pc: UInt64)
        /// A TB calls a helper that was not registered.
        case missingHelper(name: String, pc: UInt64)
        /// The configuration does not fit (memory too large, no CPU left...).
        case badConfiguration(String)
        /// The emitted module failed validation or instantiation (a code generator bug).
        case compileFailed(pc: UInt64, reason: String)
        /// The IR interpreter hit a memory trap or its step limit.
        case interpreter(pc: UInt64, TBInterpreterError)
        /// The Wasm code trapped or a helper threw.
        case wasm(pc: UInt64, reason: String)
        /// A rewind reached a TB in a state it cannot resume from.
        case resumeMismatch(pc: UInt64, String)
        /// More TBs ran in one `execute` call than allowed.
        case tbLimitExceeded(Int)
    }
    /// What went wrong.
    public var reason: Reason

    /// Creates an error.
    public init(_ reason: Reason) { self.reason = reason }

    /// What went wrong and where, in words.
    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch reason {
        case .noTranslationBlock(let pc): return "no translation block installed for guest pc \(hex(pc))"
        case .missingHelper(let name, let pc):
            return "TB at \(hex(pc)) calls helper '\(name)', which is not registered"
        case .badConfiguration(let s): return "bad TB runtime configuration: \(s)"
        case .compileFailed(let pc, let e): return "cannot compile the TB at \(hex(pc)): \(e)"
        case .interpreter(let pc, let e): return "TB at \(hex(pc)) (IR interpreter): \(e)"
        case .wasm(let pc, let e): return "TB at \(hex(pc)) (Wasm): \(e)"
        case .resumeMismatch(let pc, let s): return "cannot resume the TB at \(hex(pc)): \(s)"
        case .tbLimitExceeded(let n): return "more than \(n) TBs ran in one execute call"
        }
    }
}
