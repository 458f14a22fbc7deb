import TBCodegen
import WasmInterpreter

/// One installed TB: its IR, resolved helpers, run count and Wasm instance.
final class TBCacheEntry {
    let id: UInt64
    let tb: TranslationBlock
    let labels: [Int]
    var helpers: [TBRuntimeHelper] = []
    var helpersResolved = false
    var runs = 0
    var instance: TBWasmInstance?
    var lastUse: UInt64 = 0
    /// Fibers suspended in the IR path of this entry (they pin nothing).
    init(id: UInt64, tb: TranslationBlock) {
        self.id = id
        self.tb = tb
        self.labels = tb.labelPositions
    }
}

/// A live Wasm instance of a TB and handles to its start function and globals.
final class TBWasmInstance {
    let instance: Instance
    let start: Function
    /// Globals 0...15 (registers) and 16 (`BLOCK_IDX`), exported by the runtime as `g0`...`g16`.
    let globals: [WasmInterpreter.Global]
    /// Fibers suspended inside this instance in seed-compatible mode: it must not be evicted.
    var suspended = 0

    init(instance: Instance, start: Function, globals: [WasmInterpreter.Global]) {
        self.instance = instance
        self.start = start
        self.globals = globals
    }

    /// Writes the 16 registers and the block index into the globals.
    func write(registers: RegisterTuple, blockIndex: UInt64?) throws {
        withUnsafeBytes(of: registers) { raw in
            for i in 0..<16 {
                // A mutable i64 global always accepts an i64: `set` cannot fail here.
                try? globals[i].set(.i64(raw.load(fromByteOffset: i * 8, as: UInt64.self)))
            }
        }
        if let blockIndex { try globals[16].set(.i64(blockIndex)) }
    }

    /// The 16 registers held in the globals.
    func readRegisters() -> RegisterTuple {
        var r: RegisterTuple = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &r) { raw in
            for i in 0..<16 { raw.storeBytes(of: Self.i64(globals[i].value), toByteOffset: i * 8, as: UInt64.self) }
        }
        return r
    }

    /// `BLOCK_IDX`.
    var blockIndex: UInt64 { Self.i64(globals[16].value) }

    static func i64(_ v: Value) -> UInt64 {
        if case .i64(let x) = v { return x }
        return 0
    }
}
