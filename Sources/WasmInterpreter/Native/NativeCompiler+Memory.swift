// Loads and stores with explicit bounds checks: the effective end address
// (address + offset + access size, which the translator folds into `imm`)
// must not carry out of 64 bits and must not pass the memory's size in r13;
// the access is then at [r12 + end - size]. No guard pages are reserved.

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

    /// rax = the end address of an access at slot `s` + `offset`, checked as `checkEnd` does.
    /// A cached i32 address with a small offset is one `lea` (it cannot carry).
    mutating func accessEnd(_ s: UInt32, adding offset: UInt64) {
        if !memoryIs64 && offset <= UInt64(Int32.max), let p = pinned(s) {
            a.lea(.rax, Mem(p, Int32(offset)))
            a.alu(.cmp, .rax, .r13)
            a.j(.a, trap(.outOfBoundsMemoryAccess))
        } else {
            load(.rax, s)
            checkEnd(adding: offset, address32: !memoryIs64)
        }
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

    /// The load, store and global-operand memory instructions; false for others.
    mutating func compileMemory(_ i: Inst, index k: Int) -> Bool {
        if let shape = NativeCompiler.loadShape(i.op) {
            accessEnd(i.b, adding: i.imm)
            let d = pinned(i.a) ?? .rcx
            load(d, access(shape.size), size: shape.size, signed: shape.signed, to64: shape.to64)
            store(i.a, d)
            return true
        }
        if let size = NativeCompiler.storeSize(i.op) {
            accessEnd(i.b, adding: i.imm)
            let value = pinned(i.c) ?? .rcx
            if value == .rcx { a.mov(.rcx, slot(i.c)) }
            a.store(access(size), value, bits: Int(size) * 8)
            return true
        }
        switch i.op {
        case .i32LoadGlobal:
            a.mov(.rax, imm: i.imm)
            a.mov(.rax, Mem(.rax))
            checkEnd(adding: UInt64(i.c))
            a.mov(.rcx, access(4), q: false)
            a.mov(slot(i.a), .rcx)
        case .i32AddImmAtGlobal:
            a.mov(.rax, imm: i.imm)
            a.mov(.rax, Mem(.rax))
            checkEnd(adding: UInt64(i.c))
            a.alu(.add, access(4), imm: Int32(bitPattern: i.b), q: false)
        case .i32LoadIndirect32:
            a.mov(.rax, imm: i.imm)
            a.mov(.rax, Mem(.rax))
            checkEnd(adding: UInt64(i.b))
            a.mov(.rax, access(4), q: false)
            checkEnd(adding: UInt64(i.c))
            a.mov(.rcx, access(4), q: false)
            a.mov(slot(i.a), .rcx)
        case .i32StoreIndirect32:
            a.mov(.rax, imm: i.imm)
            a.mov(.rax, Mem(.rax))
            checkEnd(adding: UInt64(i.a))
            a.mov(.rax, access(4), q: false)
            checkEnd(adding: UInt64(i.b))
            load(.rcx, i.c)
            a.store(access(4), .rcx, bits: 32)
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
}
