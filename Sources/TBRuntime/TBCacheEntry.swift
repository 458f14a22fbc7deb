import TBCodegen
import WasmBinary
import WasmInterpreter

/// One installed TB: its IR, resolved helpers, run count and Wasm instance.
final class TBCacheEntry {
    let id: UInt64
    let tb: TranslationBlock
    /// The registers the TB mentions (``TranslationBlock/mentionedRegisters``):
    /// the only ones a run of it reads or writes, on either engine, so the
    /// runtime copies just these between the register file and the TB.
    let registerMask: UInt16
    // Touched on every run (or helper call): no dynamic exclusivity checks (see TBRuntime.statistics).
    @exclusivity(unchecked) var helpers: [TBRuntimeHelper] = []
    /// The TB prepared for the IR interpreter, with helpers that serve the
    /// runtime's current call (see ``TBRuntime/interpretedProgram(of:)``).
    var program: TBInterpreter.Program?
    @exclusivity(unchecked) var helpersResolved = false
    @exclusivity(unchecked) var runs = 0
    @exclusivity(unchecked) var instance: TBWasmInstance?
    @exclusivity(unchecked) var lastUse: UInt64 = 0

    init(id: UInt64, tb: TranslationBlock) {
        self.id = id
        self.tb = tb
        registerMask = tb.mentionedRegisters
    }
}

/// The store a runtime's TB instances share - one value stack, native engine
/// and code arena for all of them, instead of a store per instance - and the
/// host functions their imports resolve to: the unwind check and one function
/// per helper slot and signature, which call the helper of the TB that is
/// running (``TBRuntime/currentEntry``), so no instance needs functions of its own.
final class TBInstanceStore {
    let store: Store
    let unwindCheck: Function
    /// Helper functions by import slot, argument count and whether they return a value.
    private var helpers: [Int: Function] = [:]
    private unowned(unsafe) let runtime: TBRuntime

    init(configuration: Store.Configuration, runtime: TBRuntime) {
        store = Store(configuration: configuration)
        self.runtime = runtime
        unowned(unsafe) let r = runtime
        unwindCheck = Function(store: store, type: FunctionType(parameters: [], results: [.i32])) {
            _, slots in
            let unwinding = r.currentCall?.fibers.isUnwinding ?? false
            slots.setI32(0, unwinding ? 0 : 1)
        }
    }

    /// Whether TB instances made now would go into a store like this one.
    func matches(_ configuration: Store.Configuration) -> Bool {
        let c = store.configuration
        return c.fuelMetering == configuration.fuelMetering && c.engine == configuration.engine
            && c.valueStackSlots == configuration.valueStackSlots
            && c.maximumCallDepth == configuration.maximumCallDepth
            && c.maximumHostReentry == configuration.maximumHostReentry
    }

    /// The function import `index` of a TB resolves to, given its signature.
    func helper(_ index: Int, _ signature: TBHelperSignature) -> Function {
        let argc = signature.argumentCount
        let hasResult = signature.hasResult
        let key = index << 8 | argc << 1 | (hasResult ? 1 : 0)
        if let existing = helpers[key] { return existing }
        let type = FunctionType(
            parameters: Array(repeating: .i64, count: argc), results: hasResult ? [.i64] : [])
        unowned(unsafe) let r = runtime
        let function = Function(store: store, type: type) { _, slots in
            guard let call = r.currentCall, let entry = r.currentEntry else {
                throw TBRuntimeError(.badConfiguration("a TB helper was called outside call_wasm_tb"))
            }
            var args = TBHelperArguments([])
            args.count = argc
            for k in 0..<argc { args[k] = slots.i64(k) }
            let result = try entry.helpers[index](call, args)
            if hasResult { slots.setI64(0, result) }
        }
        helpers[key] = function
        return function
    }
}

/// Counts the ``TBWasmInstance`` objects of a runtime that are still allocated.
final class TBInstanceCounter {
    var allocated = 0
}

/// A live Wasm instance of a TB, in the store the runtime's TB instances share.
///
/// The store keeps the instance only until this object goes away: then it
/// releases it, so when the runtime drops its last reference - eviction, or
/// the TB being replaced - the instance, its machine code and its globals are
/// freed. A `call_wasm_tb` in progress holds a reference, so a helper that
/// evicts the running instance is safe.
final class TBWasmInstance {
    /// The shared store the instance lives in.
    let store: Store
    let instance: Instance
    let start: Function
    /// The storage cells of globals 0...15 (registers) and 16 (`BLOCK_IDX`),
    /// consecutive (an instance's defined globals share one block), resolved
    /// once; they live as long as `instance`.
    private let cells: UnsafeMutablePointer<UInt64>
    private let counter: TBInstanceCounter
    /// The registers the TB mentions (``TBCacheEntry/registerMask``): the TB
    /// function touches no other register global, so a normal entry copies
    /// only these in and out (4 of 16 for a RISC-V TB).
    let registerMask: UInt16
    /// Fibers suspended inside this instance in instance-globals mode: it must not be evicted.
    @exclusivity(unchecked) var suspended = 0

    /// The number of globals the runtime reaches: 16 registers and `BLOCK_IDX`.
    static let globalCount = 17

    /// Wraps an instance of an emitted TB module.
    ///
    /// - Throws: ``TBRuntimeError`` (`compileFailed`) unless globals 0...16 are mutable i64s the module defines.
    init(
        store: Store, instance: Instance, start: Function, pc: UInt64, registerMask: UInt16,
        counter: TBInstanceCounter
    ) throws(TBRuntimeError) {
        guard
            let cells = instance.definedGlobalCells(
                0..<Self.globalCount, type: GlobalType(valueType: .i64, isMutable: true))
        else {
            throw TBRuntimeError(
                .compileFailed(pc: pc, reason: "globals 0...16 are not mutable i64s that the module defines"))
        }
        self.cells = cells
        self.store = store
        self.instance = instance
        self.start = start
        self.registerMask = registerMask
        self.counter = counter
        counter.allocated += 1
    }

    deinit {
        counter.allocated -= 1
        store.release(instance)
    }

    /// Writes the 16 registers and (if given) the block index into the globals.
    @inline(__always)
    func write(registers: TBRegisters, blockIndex: UInt64?) {
        withUnsafeBytes(of: registers) { raw in
            for i in 0..<16 { cells[i] = raw.load(fromByteOffset: i &* 8, as: UInt64.self) }
        }
        if let blockIndex { cells[16] = blockIndex }
    }

    /// The 16 registers held in the globals.
    @inline(__always)
    func readRegisters() -> TBRegisters {
        var r = TBRegisters()
        withUnsafeMutableBytes(of: &r) { raw in
            for i in 0..<16 { raw.storeBytes(of: cells[i], toByteOffset: i &* 8, as: UInt64.self) }
        }
        return r
    }

    /// Copies the mentioned registers from a register file (16 x u64) into the globals.
    @inline(__always)
    func copyRegisters(from file: UnsafeRawPointer) {
        var mask = registerMask
        while mask != 0 {
            let i = mask.trailingZeroBitCount
            cells[i] = file.load(fromByteOffset: i &* 8, as: UInt64.self)
            mask &= mask &- 1
        }
    }

    /// Copies the mentioned registers from the globals into a register file (16 x u64).
    @inline(__always)
    func copyRegisters(to file: UnsafeMutableRawPointer) {
        var mask = registerMask
        while mask != 0 {
            let i = mask.trailingZeroBitCount
            file.storeBytes(of: cells[i], toByteOffset: i &* 8, as: UInt64.self)
            mask &= mask &- 1
        }
    }

    /// `BLOCK_IDX`.
    var blockIndex: UInt64 { cells[16] }

    /// Calls `start(ctx)` without boxing: the TB's return value.
    @inline(__always)
    func run(context ctx: UInt64) throws -> UInt64 {
        try start.callRaw(single: ctx)
    }
}
