import TBCodegen
import WasmBinary
import WasmInterpreter

/// One installed TB: its IR, resolved helpers, run count and Wasm instance.
final class TBCacheEntry {
    let id: UInt64
    let tb: TranslationBlock
    var helpers: [TBRuntimeHelper] = []
    /// The TB prepared for the IR interpreter, with helpers that serve the runtime's current call.
    var program: TBInterpreter.Program?
    var helpersResolved = false
    var runs = 0
    var instance: TBWasmInstance?
    var lastUse: UInt64 = 0

    init(id: UInt64, tb: TranslationBlock) {
        self.id = id
        self.tb = tb
    }
}

/// Counts the ``TBWasmInstance`` objects of a runtime that are still allocated.
final class TBInstanceCounter {
    var allocated = 0
}

/// A live Wasm instance of a TB, in a store of its own.
///
/// The store holds nothing but this instance and its helper imports (the
/// shared memory belongs to the runtime's store), so when the runtime drops
/// its last reference - eviction, or the TB being replaced - the instance,
/// its compiled code and its globals are freed. A `call_wasm_tb` in progress
/// holds a reference, so a helper that evicts the running instance is safe.
final class TBWasmInstance {
    /// The instance's own store.
    let store: Store
    let instance: Instance
    let start: Function
    /// The storage cells of globals 0...15 (registers) and 16 (`BLOCK_IDX`),
    /// resolved once; they live as long as `store`, which `self` keeps alive.
    private let cells: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    private let counter: TBInstanceCounter
    /// Fibers suspended inside this instance in instance-globals mode: it must not be evicted.
    var suspended = 0

    /// The number of globals the runtime reaches: 16 registers and `BLOCK_IDX`.
    static let globalCount = 17

    /// Wraps an instance of an emitted TB module.
    ///
    /// - Throws: ``TBRuntimeError`` (`compileFailed`) unless globals 0...16 are mutable i64s.
    init(store: Store, instance: Instance, start: Function, pc: UInt64, counter: TBInstanceCounter)
        throws(TBRuntimeError)
    {
        let expected = GlobalType(valueType: .i64, isMutable: true)
        var found: [UnsafeMutablePointer<UInt64>] = []
        for g in 0..<Self.globalCount {
            guard let global = instance.global(at: g), global.type == expected else {
                throw TBRuntimeError(.compileFailed(pc: pc, reason: "global \(g) is not a mutable i64"))
            }
            found.append(global.rawStorage)
        }
        cells = .allocate(capacity: Self.globalCount)
        cells.initialize(from: found, count: Self.globalCount)
        self.store = store
        self.instance = instance
        self.start = start
        self.counter = counter
        counter.allocated += 1
    }

    deinit {
        cells.deallocate()
        counter.allocated -= 1
    }

    /// Writes the 16 registers and (if given) the block index into the globals.
    @inline(__always)
    func write(registers: TBRegisters, blockIndex: UInt64?) {
        withUnsafeBytes(of: registers) { raw in
            for i in 0..<16 { cells[i].pointee = raw.load(fromByteOffset: i &* 8, as: UInt64.self) }
        }
        if let blockIndex { cells[16].pointee = blockIndex }
    }

    /// The 16 registers held in the globals.
    @inline(__always)
    func readRegisters() -> TBRegisters {
        var r = TBRegisters()
        withUnsafeMutableBytes(of: &r) { raw in
            for i in 0..<16 { raw.storeBytes(of: cells[i].pointee, toByteOffset: i &* 8, as: UInt64.self) }
        }
        return r
    }

    /// `BLOCK_IDX`.
    var blockIndex: UInt64 { cells[16].pointee }

    /// Calls `start(ctx)` without boxing: the TB's return value.
    func run(context ctx: UInt64) throws -> UInt64 {
        var slot = ctx
        try withUnsafeMutablePointer(to: &slot) {
            try start.callRaw(UnsafeMutableBufferPointer(start: $0, count: 1))
        }
        return slot
    }
}
