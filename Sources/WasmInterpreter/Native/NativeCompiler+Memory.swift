// Loads and stores with explicit bounds checks: the effective end address
// (address + offset + access size, which the translator folds into `imm`)
// must not carry out of 64 bits and must not pass the memory's size in r13;
// the access is then at [r12 + end - size]. No guard pages are reserved.

import WasmBinary
import WasmNative

extension NativeCompiler {
    /// rax = rax + offset, trapping unless the `size` bytes before it are inside the memory.
    /// `address32`: rax holds an i32 slot's value (zero-extended, so below 2^32).
    mutating func checkEnd(adding offset: UInt64, address32: Bool = false) {
        if offset <= UInt64(Int32.max) {
            a.alu(.add, .rax, imm: Int32(offset))
        } else {
            a.mov(.rcx, imm: offset)
            a.alu(.add, .rax, .rcx)
        }
        // An i32 address plus a 32-bit offset and access size cannot carry out of 64 bits.
        if !address32 || offset > UInt64(UInt32.max) + 8 { a.j(.b, trap(.outOfBoundsMemoryAccess)) }
        a.alu(.cmp, .rax, .r13)
        a.j(.a, trap(.outOfBoundsMemoryAccess))
    }

    func access(_ size: Int32) -> Mem { Mem(.r12, index: .rax, -size) }

    /// Checks an access of `size` bytes ending at slot `s` + `end` (as `checkEnd` does) and
    /// returns its operand. A cached i32 address with a small offset is checked with one
    /// `lea` (it cannot carry), and the access addresses memory from the cached register, so
    /// the load does not wait for the check's arithmetic (a chain of loads, as in a
    /// table lookup, runs a cycle faster per step).
    mutating func checkedAccess(_ s: UInt32, end: UInt64, size: Int32) -> Mem {
        if !memoryIs64 && end <= UInt64(Int32.max), let p = pinned(s) {
            a.lea(.rax, Mem(p, Int32(end)))
            a.alu(.cmp, .rax, .r13)
            a.j(.a, trap(.outOfBoundsMemoryAccess))
            return Mem(.r12, index: p, Int32(end) - size)
        }
        load(.rax, s)
        checkEnd(adding: end, address32: !memoryIs64)
        return access(size)
    }

    static func loadShape(_ op: Op) -> (size: Int32, signed: Bool, to64: Bool)? {
        switch op {
        case .i32Load, .f32Load: (4, false, false)
        case .i64Load, .f64Load: (8, false, true)
        case .i32Load8S: (1, true, false)
        case .i32Load8U: (1, false, false)
        case .i32Load16S: (2, true, false)
        case .i32Load16U: (2, false, false)
        case .i64Load8S: (1, true, true)
        case .i64Load8U: (1, false, true)
        case .i64Load16S: (2, true, true)
        case .i64Load16U: (2, false, true)
        case .i64Load32S: (4, true, true)
        case .i64Load32U: (4, false, true)
        default: nil
        }
    }

    static func storeSize(_ op: Op) -> Int32? {
        switch op {
        case .i32Store, .f32Store, .i64Store32: 4
        case .i64Store, .f64Store: 8
        case .i32Store8, .i64Store8: 1
        case .i32Store16, .i64Store16: 2
        default: nil
        }
    }

    /// Loads `size` bytes at `m` into `r` (zero- or sign-extended).
    mutating func load(_ r: Reg, _ m: Mem, size: Int32, signed: Bool, to64: Bool) {
        switch (size, signed) {
        case (8, _): a.mov(r, m)
        case (4, false): a.mov(r, m, q: false)
        case (4, true): a.movsx(r, m, bits: 32, q: true)
        case (_, false): a.movzx(r, m, bits: Int(size) * 8)
        case (_, true): a.movsx(r, m, bits: Int(size) * 8, q: to64)
        }
    }

    /// rax = the address in the global at `cell` + `end`, checked as `checkEnd` does. The
    /// translator fuses only the address operand of an `i32.load`/`i32.store` into these
    /// instructions, so on a memory32 the global is an i32: its low 32 bits are the address
    /// and the sum cannot carry (`end` is below 2^32).
    ///
    /// `keepsRax`: the instruction leaves rax as this made it, so that the next one, if it
    /// reads the same cell with the same end and nothing jumps to it, reuses the checked
    /// rax (Asyncify bumps its data pointer and then loads it: the bump writes the memory
    /// the pointer points to, not the global, and neither moves the memory).
    mutating func pointerFromGlobal(_ cell: UInt64, end: UInt64, keepsRax: Bool) {
        if let held = raxHeldBefore, held.cell == cell, held.end == end {
            raxHeldAfter = keepsRax ? held : nil
            return
        }
        a.mov(.rax, absolute(cell), q: memoryIs64)
        checkEnd(adding: end, address32: !memoryIs64)
        raxHeldAfter = keepsRax ? (cell, end) : nil
    }

    /// The load, store and global-operand memory instructions; false for others.
    mutating func compileMemory(_ i: Inst, index k: Int) -> Bool {
        if let shape = NativeCompiler.loadShape(i.op) {
            let m = checkedAccess(i.b, end: i.imm, size: shape.size)
            let d = pinned(i.a) ?? .rcx
            load(d, m, size: shape.size, signed: shape.signed, to64: shape.to64)
            store(i.a, d)
            return true
        }
        if let size = NativeCompiler.storeSize(i.op) {
            let m = checkedAccess(i.b, end: i.imm, size: size)
            let value = pinned(i.c) ?? .rcx
            if value == .rcx { a.mov(.rcx, slot(i.c)) }
            a.store(m, value, bits: Int(size) * 8)
            return true
        }
        switch i.op {
        case .i32LoadGlobal:
            pointerFromGlobal(i.imm, end: UInt64(i.c), keepsRax: true)
            let d = pinned(i.a) ?? .rcx
            a.mov(d, access(4), q: false)
            store(i.a, d)
        case .i32AddImmAtGlobal:
            pointerFromGlobal(i.imm, end: UInt64(i.c), keepsRax: true)
            a.alu(.add, access(4), imm: Int32(bitPattern: i.b), q: false)
        case .i32LoadIndirect32:
            pointerFromGlobal(i.imm, end: UInt64(i.b), keepsRax: false)
            a.mov(.rax, access(4), q: false)
            // The pointer was loaded as 32 bits: below 2^32, so adding an offset cannot carry.
            checkEnd(adding: UInt64(i.c), address32: true)
            let d = pinned(i.a) ?? .rcx
            a.mov(d, access(4), q: false)
            store(i.a, d)
        case .i32StoreIndirect32:
            pointerFromGlobal(i.imm, end: UInt64(i.a), keepsRax: false)
            a.mov(.rax, access(4), q: false)
            checkEnd(adding: UInt64(i.b), address32: true)
            let value = pinned(i.c) ?? .rcx
            if value == .rcx { a.mov(.rcx, slot(i.c)) }
            a.store(access(4), value, bits: 32)
        default:
            return false
        }
        return true
    }

    /// table.get, table.set and table.size inline (the table's state is at a
    /// fixed address, `imm`; its element array may move when it grows, so it
    /// is read each time); false for the table instructions left to the runtime.
    mutating func compileTable(_ i: Inst) -> Bool {
        let table = UInt64(i.imm)
        switch SlowOp(rawValue: i.x) {
        case .tableGet, .tableSet:
            a.mov(.rdx, imm: table)
            a.mov(.rax, slot(i.b))
            a.alu(.cmp, .rax, Mem(.rdx, NativeEngine.Layout.tableCount))
            a.j(.ae, trap(.outOfBoundsTableAccess))
            a.mov(.rdx, Mem(.rdx, NativeEngine.Layout.tableElements))
            if SlowOp(rawValue: i.x) == .tableGet {
                a.mov(.rax, Mem(.rdx, index: .rax, scale: 8))
                a.mov(slot(i.a), .rax)
            } else {
                a.mov(.rcx, slot(i.c))
                a.mov(Mem(.rdx, index: .rax, scale: 8), .rcx)
            }
        case .tableSize:
            a.mov(.rdx, imm: table)
            a.mov(.rax, Mem(.rdx, NativeEngine.Layout.tableCount))
            a.mov(slot(i.a), .rax)
        default:
            return false
        }
        return true
    }

    /// The atomic loads, stores, read-modify-writes and compare-exchanges
    /// inline, with the interpreter's checks in its order (the address plus
    /// offset must not carry, the access must be inside the memory, then
    /// aligned to its width). One thread runs a store's code, so plain moves
    /// are atomic enough; false for notify and wait, which stay in the runtime.
    mutating func compileAtomic(_ i: Inst) -> Bool {
        guard i.x > 2, let op = AtomicOp(rawValue: UInt8(truncatingIfNeeded: i.x)) else { return false }
        let width = Int32(op.byteWidth)
        let bits = Int(width) * 8
        // The operands are in the frame (the caller spilled the cache): address, value(s).
        if i.imm > UInt64.max - UInt64(width) {
            a.jmp(trap(.outOfBoundsMemoryAccess))
            return true
        }
        a.mov(.rax, slot(i.b))
        checkEnd(adding: i.imm + UInt64(width))
        if width > 1 {
            // rax is the access's end: aligned exactly when its start is.
            a.mov(.rcx, imm: UInt64(width - 1))
            a.test(.rax, .rcx)
            a.j(.ne, trap(.unalignedAtomic))
        }
        a.lea(.rax, access(width))
        let m = Mem(.rax)
        switch op.kind {
        case .load:
            load(.rcx, m, size: width, signed: false, to64: true)
            a.mov(slot(i.a), .rcx)
        case .store:
            a.mov(.rcx, slot(i.b + 1))
            a.store(m, .rcx, bits: bits)
        case .rmw:
            load(.rcx, m, size: width, signed: false, to64: true)
            a.mov(.rdx, slot(i.b + 1))
            // rdx = new value from rcx (old) and rdx (operand); only its low `bits` are stored.
            switch op.name.split(separator: ".").last.map(String.init) ?? "" {
            case "add", "add_u": a.alu(.add, .rdx, .rcx)
            case "sub", "sub_u":
                a.neg(.rdx)
                a.alu(.add, .rdx, .rcx)
            case "and", "and_u": a.alu(.and, .rdx, .rcx)
            case "or", "or_u": a.alu(.or, .rdx, .rcx)
            case "xor", "xor_u": a.alu(.xor, .rdx, .rcx)
            default: break  // xchg: the operand itself
            }
            a.store(m, .rdx, bits: bits)
            a.mov(slot(i.a), .rcx)
        case .cmpxchg:
            load(.rcx, m, size: width, signed: false, to64: true)
            // The expected value is compared in the access's width.
            a.mov(.rdx, slot(i.b + 1))
            switch width {
            case 1, 2: a.movzx(.rdx, .rdx, bits: bits)
            case 4: a.mov(.rdx, .rdx, q: false)
            default: break
            }
            let different = a.newLabel()
            a.alu(.cmp, .rcx, .rdx)
            a.j(.ne, different)
            a.mov(.rdx, slot(i.b + 2))
            a.store(m, .rdx, bits: bits)
            a.bind(different)
            a.mov(slot(i.a), .rcx)
        }
        return true
    }

    /// memory.fill and memory.copy inline: the interpreter's bounds checks
    /// (n <= size, d <= size - n, s <= size - n, so nothing is written when
    /// any fails), then `rep stosb` / `rep movsb`, copying downwards when the
    /// destination overlaps the source from above (memmove's rule). They
    /// clobber rsi, rdi and rcx: the caller spilled the cache and reloads it.
    mutating func compileBulk(_ i: Inst) -> Bool {
        guard i.op == .memoryFill || i.op == .memoryCopy else { return false }
        let outOfBounds = trap(.outOfBoundsMemoryAccess)
        a.mov(.rcx, slot(i.b + 2))
        a.mov(.rax, .r13)
        a.alu(.sub, .rax, .rcx)
        a.j(.b, outOfBounds)
        a.mov(.rdx, slot(i.b))
        a.alu(.cmp, .rdx, .rax)
        a.j(.a, outOfBounds)
        if i.op == .memoryFill {
            a.lea(.rdi, Mem(.r12, index: .rdx))
            a.mov(.rax, slot(i.b + 1))
            a.repStosb()
            return true
        }
        a.mov(.rsi, slot(i.b + 1))
        a.alu(.cmp, .rsi, .rax)
        a.j(.a, outOfBounds)
        a.lea(.rdi, Mem(.r12, index: .rdx))
        a.lea(.rsi, Mem(.r12, index: .rsi))
        let forward = a.newLabel()
        let done = a.newLabel()
        // Upwards unless the destination starts inside the source (s < d < s + n).
        a.alu(.cmp, .rdi, .rsi)
        a.j(.be, forward)
        a.lea(.rax, Mem(.rsi, index: .rcx))
        a.alu(.cmp, .rdi, .rax)
        a.j(.ae, forward)
        a.lea(.rsi, Mem(.rsi, index: .rcx, -1))
        a.lea(.rdi, Mem(.rdi, index: .rcx, -1))
        a.std()
        a.repMovsb()
        a.cld()
        a.jmp(done)
        a.bind(forward)
        a.repMovsb()
        a.bind(done)
        return true
    }
}
