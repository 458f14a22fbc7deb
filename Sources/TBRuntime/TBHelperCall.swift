import Asyncify
import TBCodegen

/// What a helper learns about the TB call it serves.
///
/// A helper may swap fibers or sleep through ``fibers``: it then takes part in
/// the unwind the Asyncify way (see `AsyncifyFrame`): guard the code before the
/// swap with `isNormal`, and when re-entered in state rewinding let the swap
/// stop the rewind. The TB, `call_wasm_tb` and `execute` do the rest.
public struct TBHelperCall {
    /// The fiber context the TB runs in.
    public let fibers: FiberContext
    /// The CPU running the TB.
    public let cpu: TBCPU
    /// The guest pc of the TB making the call.
    public internal(set) var pc: UInt64
    /// The runtime's shared linear memory.
    public let memory: TBMemory
}

/// A helper a TB calls, written in Swift: it receives the call and the
/// register arguments and returns the result (ignored for helpers without one).
public typealias TBRuntimeHelper = (TBHelperCall, TBHelperArguments) throws -> UInt64

/// Run counts of a ``TBRuntime``, for tests and benchmarks.
public struct TBRuntimeStatistics: Sendable, Hashable {
    /// TB runs on the IR interpreter (resumptions not counted).
    public var interpretedRuns = 0
    /// TB runs as Wasm (resumptions not counted).
    public var wasmRuns = 0
    /// Modules emitted, validated and instantiated.
    public var compilations = 0
    /// Instances dropped because of the instance cap.
    public var evictions = 0
    /// TB suspensions (a helper unwound the TB).
    public var suspensions = 0
    /// TB resumptions (a rewind re-entered a suspended TB).
    public var resumptions = 0
}
