import TBCodegen
import WasmInterpreter

/// Where a suspended TB keeps its resumption state (see docs/TBModules.md).
public enum TBResumptionMode: Sendable, Hashable, CustomStringConvertible {
    /// The default: a suspended TB's block index and registers are saved into
    /// its fiber's Asyncify frame and written back into the instance on rewind,
    /// so any number of fibers can be suspended inside one TB instance.
    case perFiber
    /// The resumption state stays in the instance's globals, as QEMU's Wasm TCG
    /// backend keeps it. Unsafe with several fibers: a second fiber entering the
    /// same instance clobbers the first one's state.
    case instanceGlobals

    /// `per-fiber` or `instance-globals`, as the CLI spells it.
    public var description: String { self == .perFiber ? "per-fiber" : "instance-globals" }
}

/// How a ``TBRuntime`` is set up: engine choice, cache size, memory layout.
public struct TBRuntimeConfiguration: Sendable, Hashable {
    /// How many times a TB runs on the IR interpreter before it is emitted and
    /// run as Wasm (QEMU's Wasm TCG backend uses 1500). 0 runs every TB as Wasm at once;
    /// `Int.max` never compiles.
    public var compileThreshold: Int = 1500
    /// The most live Wasm instances; past it the least recently used one is evicted.
    public var instanceCap: Int = 256
    /// The engine that runs the TBs' Wasm instances: ``Store/Engine/automatic``
    /// (the native tier where the host has it, else the interpreter), or one
    /// pinned. A change applies to instances created afterwards (a TB compiled
    /// or re-instantiated after it); live instances keep their engine.
    public var engine: Store.Engine = .automatic
    /// Where suspended TBs keep their resumption state.
    public var mode: TBResumptionMode = .perFiber
    /// The address width of the shared memory the TB modules import.
    public var addressing: TBEmitter.Addressing = .memory64
    /// Where the emitted TB functions keep registers and the block index while
    /// they run (``TBEmitter/StateLayout``); the globals hold them whenever the
    /// runtime looks, so either layout works in either ``mode``.
    public var layout: TBEmitter.StateLayout = TBEmitter.defaultLayout
    /// The most CPUs (context, register file, env and TLB each) the memory holds.
    public var maximumCPUs: Int = 64
    /// The first guest address of guest RAM.
    public var guestBase: UInt64 = 0x4_0000
    /// The size of guest RAM in bytes.
    public var guestRAMSize: UInt64 = 0x1_0000
    /// The most loop iterations one TB run may take on the IR interpreter.
    public var interpreterStepLimit: Int = 100_000_000
    /// The most TBs one ``TBRuntime/execute(_:cpu:pc:)`` call may run (a guard
    /// against guest programs that never exit), counted by the dispatch loop on
    /// either engine; past it `execute` throws ``TBRuntimeError/Reason/tbLimitExceeded(_:)``.
    ///
    /// Loops inside one TB (backward branches, `goto_tb` to the TB itself) do
    /// not return to the dispatch loop: ``interpreterStepLimit`` bounds them on
    /// the IR interpreter and ``wasmFuelPerTB`` on the Wasm engine.
    public var maximumTBsPerExecution: Int = 100_000_000
    /// The most fuel one run of a Wasm TB may use (one unit per loop
    /// iteration, plus one for entering the TB function): the Wasm engine's
    /// counterpart of ``interpreterStepLimit``. Past it the run fails with
    /// ``TBRuntimeError/Reason/wasm(pc:reason:)`` naming the exhausted fuel, and
    /// the runtime stays usable. `nil` runs TB instances without fuel metering
    /// (slightly faster loops, no bound).
    public var wasmFuelPerTB: UInt64? = 100_000_000
    /// Whether the runtime validates every module the emitter produced before
    /// instantiating it. The emitter's modules are valid by construction (the
    /// TBCodegen tests validate thousands of random TBs with our validator and
    /// with `wasm-validate`), so release builds skip the check on the hot path
    /// of compiling a TB; debug builds, the tests among them, keep it on.
    public var validatesEmittedModules: Bool = Self.validatesByDefault

    #if DEBUG
        static let validatesByDefault = true
    #else
        static let validatesByDefault = false
    #endif

    /// The default configuration.
    public init() {}

    /// Bytes of one CPU block in the shared memory.
    package static let cpuBlockSize: UInt64 = 0x4000
    /// Offset of the context record in a CPU block.
    package static let contextOffset: UInt64 = 0
    /// Offset of the register file (16 x u64) in a CPU block.
    package static let registerFileOffset: UInt64 = 0x40
    /// Offset of the CPU state (`env`) in a CPU block.
    package static let envOffset: UInt64 = 0x100
    /// The size of the CPU state in bytes.
    package static let envSize: UInt64 = 0x1F00
    /// Offset of the software TLB in a CPU block.
    package static let tlbOffset: UInt64 = 0x2000
    /// Where the first CPU block starts in the shared memory.
    package static let firstCPUAddress: UInt64 = 0x1000

    /// The host address guest RAM starts at: after the CPU blocks, page aligned.
    public var guestRAMHostBase: UInt64 {
        Self.firstCPUAddress + UInt64(max(maximumCPUs, 1)) * Self.cpuBlockSize
    }
    /// The size of the shared memory in 64 KiB pages.
    public var memoryPages: UInt64 { (guestRAMHostBase + guestRAMSize + 0xFFFF) / 0x1_0000 }
}
