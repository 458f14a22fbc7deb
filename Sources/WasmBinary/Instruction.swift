// One Wasm instruction with its immediates, as decoded from (or encoded to)
// the binary format. Function bodies and constant expressions are stored as
// flat `[Instruction]` sequences *including* their terminating `end`, exactly
// as in the binary, so that encoding is a straight walk and validation follows
// the spec's algorithm instruction by instruction.

/// A WebAssembly instruction (every non-SIMD instruction: MVP, sign extension,
/// non-trapping float-to-int, multi-value, bulk memory, reference types,
/// memory64 addressing and the threads proposal's atomics).
///
/// Float constants are kept as IEEE-754 bit patterns so that NaN payloads
/// survive a round trip and equality is bitwise.
public enum Instruction: Sendable, Hashable {
    // MARK: Control
    /// Traps unconditionally (0x00).
    case unreachable
    /// Does nothing (0x01).
    case nop
    /// Starts a block whose label is at its end (0x02).
    case block(BlockType)
    /// Starts a loop whose label is at its start (0x03).
    case loop(BlockType)
    /// Starts a conditional block (0x04).
    case `if`(BlockType)
    /// Starts the else arm of the innermost `if` (0x05).
    case `else`
    /// Ends a block, loop, if, function body or constant expression (0x0B).
    case end
    /// Branches to the label `depth` levels out (0x0C).
    case br(depth: UInt32)
    /// Branches if the popped i32 is non-zero (0x0D).
    case brIf(depth: UInt32)
    /// Branches to `targets[i]`, or `defaultTarget` when out of range (0x0E).
    case brTable(targets: [UInt32], defaultTarget: UInt32)
    /// Returns from the function (0x0F).
    case `return`
    /// Calls a function by index (0x10).
    case call(functionIndex: UInt32)
    /// Calls through a table with a signature check (0x11).
    case callIndirect(typeIndex: UInt32, tableIndex: UInt32)

    // MARK: Parametric
    /// Pops and discards one value (0x1A).
    case drop
    /// Chooses between two numeric values (0x1B).
    case select
    /// Chooses between two values of the given type (0x1C, reference types).
    case selectTyped([ValueType])

    // MARK: Variables
    /// Pushes a local (0x20).
    case localGet(UInt32)
    /// Pops into a local (0x21).
    case localSet(UInt32)
    /// Copies the top of the stack into a local (0x22).
    case localTee(UInt32)
    /// Pushes a global (0x23).
    case globalGet(UInt32)
    /// Pops into a mutable global (0x24).
    case globalSet(UInt32)

    // MARK: Tables
    /// Pushes a table element (0x25).
    case tableGet(UInt32)
    /// Pops into a table element (0x26).
    case tableSet(UInt32)
    /// Initialises a table range from a passive element segment (0xFC 12).
    case tableInit(elementIndex: UInt32, tableIndex: UInt32)
    /// Drops an element segment (0xFC 13).
    case elemDrop(UInt32)
    /// Copies a range between tables (0xFC 14).
    case tableCopy(destination: UInt32, source: UInt32)
    /// Grows a table, pushing the old size or -1 (0xFC 15).
    case tableGrow(UInt32)
    /// Pushes a table's size (0xFC 16).
    case tableSize(UInt32)
    /// Fills a table range with a reference (0xFC 17).
    case tableFill(UInt32)

    // MARK: Memory
    /// A plain load (0x28...0x35).
    case load(LoadOp, MemArg)
    /// A plain store (0x36...0x3E).
    case store(StoreOp, MemArg)
    /// Pushes the memory size in pages (0x3F; the immediate is the memory index, 0).
    case memorySize(UInt32)
    /// Grows memory, pushing the old size or -1 (0x40).
    case memoryGrow(UInt32)
    /// Copies a passive data segment into memory (0xFC 8).
    case memoryInit(dataIndex: UInt32, memoryIndex: UInt32)
    /// Drops a data segment (0xFC 9).
    case dataDrop(UInt32)
    /// Copies a memory range (0xFC 10).
    case memoryCopy(destination: UInt32, source: UInt32)
    /// Fills a memory range with a byte (0xFC 11).
    case memoryFill(UInt32)

    // MARK: Constants and numerics
    /// Pushes an i32 constant (0x41).
    case i32Const(Int32)
    /// Pushes an i64 constant (0x42).
    case i64Const(Int64)
    /// Pushes an f32 constant given by its bit pattern (0x43).
    case f32Const(bits: UInt32)
    /// Pushes an f64 constant given by its bit pattern (0x44).
    case f64Const(bits: UInt64)
    /// A numeric instruction without immediates (0x45...0xC4, 0xFC 0...7).
    case numeric(NumericOp)

    // MARK: References
    /// Pushes a null reference (0xD0).
    case refNull(ReferenceType)
    /// Pops a reference, pushes 1 if null (0xD1).
    case refIsNull
    /// Pushes a reference to a function (0xD2).
    case refFunc(UInt32)

    // MARK: Atomics (threads proposal, 0xFE prefix)
    /// `memory.atomic.notify` (0xFE 0x00).
    case atomicNotify(MemArg)
    /// `memory.atomic.wait32` (0xFE 0x01).
    case atomicWait32(MemArg)
    /// `memory.atomic.wait64` (0xFE 0x02).
    case atomicWait64(MemArg)
    /// `atomic.fence` (0xFE 0x03, followed by a zero byte).
    case atomicFence
    /// Atomic loads, stores, read-modify-writes and compare-exchanges (0xFE 0x10...0x4E).
    case atomic(AtomicOp, MemArg)
}
