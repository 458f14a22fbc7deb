// The interpreter's out-of-line paths: calls that leave the loop, and the
// bulk, table and atomic instructions. Keeping them out of `run` keeps the
// hot loop small.

import CNativeStack
import WasmBinary

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Interpreter {
    @inline(never)
    static func indirectCallee(_ i: Inst, _ fp: UnsafeMutablePointer<UInt64>) throws(Trap)
        -> UnsafeMutablePointer<
            FunctionEntry
        >
    {
        let table = UnsafeMutablePointer<TableState>(bitPattern: UInt(i.imm)).unsafelyUnwrapped
        let index = fp[Int(i.c)]
        if index >= UInt64(table.pointee.count) { throw Trap(.undefinedElement) }
        guard
            let callee = UnsafeMutablePointer<FunctionEntry>(
                bitPattern: UInt(table.pointee.elements[Int(index)]))
        else { throw Trap(.uninitializedElement) }
        if callee.pointee.typeID != Int(i.a) { throw Trap(.indirectCallTypeMismatch) }
        return callee
    }

    @inline(never)
    static func translate(_ entry: UnsafeMutablePointer<FunctionEntry>) throws {
        guard let storage = entry.pointee.context.pointee.instance?.takeUnretainedValue() else {
            throw TranslationError(description: "function has no instance")
        }
        try storage.translate(entry)
    }

    @inline(never)
    static func callHost(
        _ exec: UnsafeMutablePointer<ExecutionState>, _ callee: UnsafeMutablePointer<FunctionEntry>,
        _ fp: UnsafeMutablePointer<UInt64>, _ context: UnsafeMutablePointer<InstanceContext>,
        _ frameCount: Int
    ) throws {
        if exec.pointee.hostDepth >= exec.pointee.hostDepthLimit { throw Trap(.callStackExhausted) }
        if exec.pointee.hostDepth == 0 {
            exec.pointee.hostStackBase = cns_frame_address()
        } else {
            try checkNativeStack(exec)
        }
        let savedTop = exec.pointee.stackTop
        let savedFrames = exec.pointee.frameCount
        exec.pointee.stackTop = fp + callee.pointee.frameSize
        exec.pointee.frameCount = frameCount
        exec.pointee.hostDepth += 1
        defer {
            exec.pointee.stackTop = savedTop
            exec.pointee.frameCount = savedFrames
            exec.pointee.hostDepth -= 1
        }
        let caller = Caller(storeReference: exec.pointee.store, storageReference: context.pointee.instance)
        try callee.pointee.host.unsafelyUnwrapped._withUnsafeGuaranteedRef { try $0.call(caller, fp) }
    }

    /// Traps before a nested host call could overflow the native stack: each
    /// Wasm -> host -> Wasm level takes as much native stack as the levels
    /// before it took on average (a lot more in debug or sanitised builds than
    /// in release builds), so demand room for two more levels plus a margin.
    @inline(never)
    static func checkNativeStack(_ exec: UnsafeMutablePointer<ExecutionState>) throws(Trap) {
        let left = cns_stack_bytes_left()
        guard left != UInt.max else { return }
        let here = cns_frame_address()
        let base = exec.pointee.hostStackBase
        let perLevel = base > here ? (base - here) / UInt(max(exec.pointee.hostDepth, 1)) : 0
        if left < perLevel &* 2 &+ 64 * 1024 { throw Trap(.callStackExhausted) }
    }

    @inline(never)
    static func memoryGrow(_ state: UnsafeMutablePointer<MemoryState>, _ delta: UInt64) -> UInt64 {
        let is64 = state.pointee.is64
        let d = is64 ? delta : UInt64(UInt32(truncatingIfNeeded: delta))
        if let old = MemoryInstance.grow(state, by: d) { return old }
        return is64 ? UInt64.max : UInt64(UInt32.max)
    }

    @inline(never)
    static func memoryCopy(
        _ state: UnsafeMutablePointer<MemoryState>, _ operands: UnsafeMutablePointer<UInt64>
    )
        throws(Trap)
    {
        let (d, s, n) = (operands[0], operands[1], operands[2])
        let size = state.pointee.byteCount
        guard n <= size, d <= size - n, s <= size - n else { throw Trap(.outOfBoundsMemoryAccess) }
        if n > 0 { memmove(state.pointee.base + Int(d), state.pointee.base + Int(s), Int(n)) }
    }

    @inline(never)
    static func memoryFill(
        _ state: UnsafeMutablePointer<MemoryState>, _ operands: UnsafeMutablePointer<UInt64>
    )
        throws(Trap)
    {
        let (d, v, n) = (operands[0], operands[1], operands[2])
        let size = state.pointee.byteCount
        guard n <= size, d <= size - n else { throw Trap(.outOfBoundsMemoryAccess) }
        if n > 0 { memset(state.pointee.base + Int(d), Int32(truncatingIfNeeded: v & 0xFF), Int(n)) }
    }

    @inline(never)
    static func instanceOperation(
        _ i: Inst, _ fp: UnsafeMutablePointer<UInt64>, _ context: UnsafeMutablePointer<InstanceContext>
    ) throws(Trap) {
        guard let storage = context.pointee.instance?.takeUnretainedValue() else { return }
        let operands = fp + Int(i.b)
        switch SlowOp(rawValue: i.x) {
        case .memoryInit:
            try storage.memoryInit(
                segment: Int(i.imm), destination: operands[0], source: operands[1], count: operands[2])
        case .dataDrop: storage.data[Int(i.imm)] = []
        case .elemDrop: storage.elements[Int(i.imm)] = []
        case .tableInit:
            try storage.tableInit(
                table: Int(i.c), segment: Int(i.imm), destination: operands[0], source: operands[1],
                count: operands[2])
        case .tableCopy:
            let dst = storage.tables[Int(i.c)].state
            let src = storage.tables[Int(i.imm)].state
            let (d, s, n) = (operands[0], operands[1], operands[2])
            let dc = UInt64(dst.pointee.count)
            let sc = UInt64(src.pointee.count)
            guard d <= dc, n <= dc - d, s <= sc, n <= sc - s else { throw Trap(.outOfBoundsTableAccess) }
            if n > 0 {
                (dst.pointee.elements + Int(d)).update(from: src.pointee.elements + Int(s), count: Int(n))
            }
        default: break
        }
    }

    @inline(never)
    static func tableOperation(_ i: Inst, _ fp: UnsafeMutablePointer<UInt64>) throws(Trap) {
        let table = UnsafeMutablePointer<TableState>(bitPattern: UInt(i.imm)).unsafelyUnwrapped
        let count = UInt64(table.pointee.count)
        switch SlowOp(rawValue: i.x) {
        case .tableGet:
            let index = fp[Int(i.b)]
            guard index < count else { throw Trap(.outOfBoundsTableAccess) }
            fp[Int(i.a)] = table.pointee.elements[Int(index)]
        case .tableSet:
            let index = fp[Int(i.b)]
            guard index < count else { throw Trap(.outOfBoundsTableAccess) }
            table.pointee.elements[Int(index)] = fp[Int(i.c)]
        case .tableSize:
            fp[Int(i.a)] = count
        case .tableGrow:
            let old = TableInstance.grow(table, by: fp[Int(i.c)], filling: fp[Int(i.b)])
            fp[Int(i.a)] = old ?? UInt64(UInt32.max)
        case .tableFill:
            let operands = fp + Int(i.b)
            let (d, v, n) = (operands[0], operands[1], operands[2])
            guard d <= count, n <= count - d else { throw Trap(.outOfBoundsTableAccess) }
            (table.pointee.elements + Int(d)).update(repeating: v, count: Int(n))
        default: break
        }
    }

    @inline(never)
    static func atomic(
        _ i: Inst, _ fp: UnsafeMutablePointer<UInt64>, _ state: UnsafeMutablePointer<MemoryState>
    ) throws(Trap) {
        let operands = fp + Int(i.b)
        let op = AtomicOp(rawValue: UInt8(truncatingIfNeeded: i.x))
        let width: UInt64 = i.x == 2 ? 8 : (op.map { UInt64($0.byteWidth) } ?? 4)
        let (address, overflow) = operands[0].addingReportingOverflow(i.imm)
        if i.x == 1 || i.x == 2, !state.pointee.isShared { throw Trap(.expectedSharedMemory) }
        guard !overflow, address <= state.pointee.byteCount, width <= state.pointee.byteCount - address else {
            throw Trap(.outOfBoundsMemoryAccess)
        }
        if address % width != 0 { throw Trap(.unalignedAtomic) }
        let p = state.pointee.base + Int(address)
        let mask: UInt64 = width == 8 ? UInt64.max : (1 << (width * 8)) - 1
        func read() -> UInt64 {
            switch width {
            case 1: UInt64(p.load(as: UInt8.self))
            case 2: UInt64(p.load(as: UInt16.self))
            case 4: UInt64(p.load(as: UInt32.self))
            default: p.load(as: UInt64.self)
            }
        }
        func write(_ v: UInt64) {
            switch width {
            case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
            case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: v), as: UInt16.self)
            case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: v), as: UInt32.self)
            default: p.storeBytes(of: v, as: UInt64.self)
            }
        }
        switch i.x {
        case 0:  // notify: nobody else can be waiting
            fp[Int(i.a)] = 0
            return
        case 1, 2:  // wait: "not-equal" (1) or, with a timeout, "timed-out" (2)
            if read() != operands[1] & mask {
                fp[Int(i.a)] = 1
            } else if Int64(bitPattern: operands[2]) >= 0 {
                fp[Int(i.a)] = 2
            } else {
                throw Trap(.waitWouldBlockForever)
            }
            return
        default: break
        }
        guard let op else { return }
        switch op.kind {
        case .load:
            fp[Int(i.a)] = read()
        case .store:
            write(operands[1])
        case .rmw:
            let old = read()
            let v = operands[1]
            let new: UInt64
            switch op.name.split(separator: ".").last.map(String.init) ?? "" {
            case "add", "add_u": new = old &+ v
            case "sub", "sub_u": new = old &- v
            case "and", "and_u": new = old & v
            case "or", "or_u": new = old | v
            case "xor", "xor_u": new = old ^ v
            default: new = v
            }
            write(new & mask)
            fp[Int(i.a)] = old
        case .cmpxchg:
            let old = read()
            if old == operands[1] & mask { write(operands[2]) }
            fp[Int(i.a)] = old
        }
    }
}

/// The operation of an ``Op/instanceOperation`` or ``Op/tableOperation``
/// instruction (its `x`): rare instructions share two opcodes, so the
/// opcode fits in one byte.
enum SlowOp: UInt16 {
    case memoryInit, dataDrop, elemDrop, tableInit, tableCopy
    case tableGet, tableSet, tableSize, tableGrow, tableFill
}
