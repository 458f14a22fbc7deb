import TBCodegen

/// One virtual CPU in the runtime's shared memory: its context record, its
/// register file, its CPU state (`env`) and its software TLB.
///
/// A plain value of addresses; the state itself lives in linear memory, so the
/// IR interpreter, every Wasm instance and the host all see the same bytes.
public struct TBCPU: Sendable, Hashable {
    /// The CPU's number (0-based).
    public let index: Int
    /// The address of the CPU block.
    public let base: UInt64

    /// The address of the context record a TB receives (`ctx`).
    public var context: UInt64 { base + TBRuntimeConfiguration.contextOffset }
    /// The address of the 16 x u64 register file (`r0` first).
    public var registerFile: UInt64 { base + TBRuntimeConfiguration.registerFileOffset }
    /// The address of the CPU state (`env`).
    public var env: UInt64 { base + TBRuntimeConfiguration.envOffset }
    /// The address of the software TLB.
    public var tlb: UInt64 { base + TBRuntimeConfiguration.tlbOffset }
}

/// What `call_wasm_tb` saves per fiber when a TB it runs is suspended.
struct SuspendedTBState {
    /// 0: suspended on the IR interpreter; 1: in a Wasm instance.
    var engine: UInt64
    /// The cache entry the TB was suspended in (a replaced TB cannot be resumed).
    var entryID: UInt64
    /// The op index (IR) or `BLOCK_IDX` (Wasm) to resume at.
    var resumePoint: UInt64
    /// The TB's registers at the suspension.
    var registers: TBRegisters
}
