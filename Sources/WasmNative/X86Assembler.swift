// An x86-64 assembler for the native tier: the integer, control-flow and
// memory instructions a baseline compiler emits, with labels whose 32-bit
// displacements are patched once their position is known. Encodings follow
// the forms LLVM's assembler picks (the tests compare against `llvm-mc`), so
// a disassembly of our code reads like compiled code.

/// A position in the code that jumps can target before it is bound.
package struct Label: Hashable, Sendable {
    let id: Int

    /// The label `n` after this one in a run made by ``X86Assembler/newLabels(_:)``.
    package func advanced(by n: Int) -> Label { Label(id: id + n) }
}

/// An arithmetic/logic operation of the `op r/m, r` family (the ModRM digit of its immediate form).
package enum ALU: UInt8, Sendable {
    case add = 0
    case or = 1
    case adc = 2
    case sbb = 3
    case and = 4
    case sub = 5
    case xor = 6
    case cmp = 7
}

/// A shift or rotate (the ModRM digit of its `D3`/`C1` form).
package enum Shift: UInt8, Sendable {
    case rol = 0
    case ror = 1
    case shl = 4
    case shr = 5
    case sar = 7
}

/// The one to three opcode bytes of an instruction, by value: an array
/// literal per emitted instruction cost a heap allocation each.
struct Opcode {
    let first: UInt8
    let second: UInt8
    let third: UInt8
    let count: Int

    init(_ first: UInt8) {
        (self.first, second, third, count) = (first, 0, 0, 1)
    }

    init(_ first: UInt8, _ second: UInt8) {
        (self.first, self.second, third, count) = (first, second, 0, 2)
    }

    init(_ first: UInt8, _ second: UInt8, _ third: UInt8) {
        (self.first, self.second, self.third, count) = (first, second, third, 3)
    }
}

/// Emits x86-64 machine code into a byte buffer.
///
/// Width: `q: true` is the 64-bit form, `q: false` the 32-bit one (which
/// zero-extends its register result to 64 bits, as the hardware does).
///
/// The code goes into one growing buffer the assembler owns (not an array:
/// an append checks the array's uniqueness and capacity for every byte, which
/// was a good part of compiling a small module), so an assembler cannot be
/// copied.
package struct X86Assembler: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The current end of the code.
    package private(set) var position = 0
    /// The position of each label, -1 while it is unbound.
    private var labelPositions: [Int] = []
    /// (position of a rel32 field, label): patched when the code is finished.
    private var fixups: [(Int, Label)] = []

    /// Creates an empty assembler with room for `capacity` bytes before it first grows.
    package init(capacity: Int = 4096) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    // MARK: Labels

    /// A new, unbound label.
    package mutating func newLabel() -> Label {
        labelPositions.append(-1)
        return Label(id: labelPositions.count - 1)
    }

    /// `count` new, unbound labels, consecutive: the first is returned, the
    /// others follow it (``Label/advanced(by:)``). One call for a label per instruction.
    package mutating func newLabels(_ count: Int) -> Label {
        let first = labelPositions.count
        labelPositions.append(contentsOf: repeatElement(-1, count: count))
        return Label(id: first)
    }

    /// Binds `label` to the current position.
    package mutating func bind(_ label: Label) {
        precondition(labelPositions[label.id] < 0, "label bound twice")
        labelPositions[label.id] = position
    }

    /// The position `label` is bound to, if it is.
    package func offset(of label: Label) -> Int? {
        let at = labelPositions[label.id]
        return at < 0 ? nil : at
    }

    /// Patches every jump to its label and returns the code; a jump to an
    /// unbound label is a compiler bug.
    package mutating func finish() -> [UInt8] {
        withFinishedCode { Array($0) }
    }

    /// Patches every jump to its label and passes the code to `body` without
    /// copying it (the bytes are valid only during the call).
    package mutating func withFinishedCode<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        for (at, label) in fixups {
            let target = labelPositions[label.id]
            guard target >= 0 else { preconditionFailure("unbound label") }
            patch32(at, Int32(target - (at + 4)))
        }
        return try body(UnsafeRawBufferPointer(start: base, count: position))
    }

    // MARK: Raw emission

    /// Makes room for `count` more bytes (doubling, so appends stay amortized O(1)).
    private mutating func grow(_ count: Int) {
        let wanted = max(capacity * 2, position + count)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: wanted)
        larger.update(from: base, count: position)
        base.deallocate()
        base = larger
        capacity = wanted
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        if position == capacity { grow(1) }
        base[position] = b
        position += 1
    }

    private mutating func patch32(_ at: Int, _ v: Int32) {
        let u = UInt32(bitPattern: v)
        for k in 0..<4 { base[at + k] = UInt8(truncatingIfNeeded: u >> (8 * UInt32(k))) }
    }

    mutating func imm32(_ v: Int32) {
        if capacity - position < 4 { grow(4) }
        patch32(position, v)
        position += 4
    }

    mutating func imm64(_ v: UInt64) {
        if capacity - position < 8 { grow(8) }
        for k in 0..<8 { base[position + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        position += 8
    }

    mutating func rel32(_ label: Label) {
        fixups.append((position, label))
        imm32(0)
    }

    /// Emits `prefix? REX? opcode ModRM [SIB] [disp]` for `reg` (a register
    /// number or an opcode digit) and `rm`. `byteReg`/`byteRM`: that operand
    /// is an 8-bit register, so spl/bpl/sil/dil need a REX prefix.
    mutating func emit(
        _ prefix: UInt8? = nil, w: Bool, _ opcode: Opcode, reg: UInt8, _ rm: RM, byteReg: Bool = false,
        byteRM: Bool = false
    ) {
        if let prefix { byte(prefix) }
        var rex: UInt8 = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2
        var force = byteReg && reg >= 4 && reg < 8
        switch rm {
        case .reg(let r):
            rex |= (r >> 3) & 1
            if byteRM && r >= 4 && r < 8 { force = true }
        case .mem(let m):
            rex |= m.base.high
            if let index = m.index { rex |= index.high << 1 }
        }
        if rex != 0x40 || force { byte(rex) }
        byte(opcode.first)
        if opcode.count > 1 { byte(opcode.second) }
        if opcode.count > 2 { byte(opcode.third) }
        modrm(reg: reg & 7, rm)
    }

    private mutating func modrm(reg: UInt8, _ rm: RM) {
        switch rm {
        case .reg(let r):
            byte(0xC0 | reg << 3 | (r & 7))
        case .mem(let m):
            let d = m.displacement
            // rbp/r13 as a base have no displacement-free form.
            let mod: UInt8 =
                (d == 0 && m.base.low != 5) ? 0 : (Int32(Int8(truncatingIfNeeded: d)) == d ? 1 : 2)
            if m.index != nil || m.base.low == 4 {
                byte(mod << 6 | reg << 3 | 4)
                // 1, 2, 4, 8 -> 0...3 (`Mem.init` admits no other scale).
                let scaleBits = UInt8(m.scale.trailingZeroBitCount & 3)
                let index = m.index?.low ?? 4
                byte(scaleBits << 6 | index << 3 | m.base.low)
            } else {
                byte(mod << 6 | reg << 3 | m.base.low)
            }
            if mod == 1 { byte(UInt8(bitPattern: Int8(truncatingIfNeeded: d))) }
            if mod == 2 { imm32(d) }
        }
    }

    // MARK: Moves

    /// `mov dst, src`.
    package mutating func mov(_ dst: Reg, _ src: Reg, q: Bool = true) {
        emit(w: q, Opcode(0x89), reg: src.rawValue, .reg(dst.rawValue))
    }

    /// `mov dst, [m]` (32-bit loads zero-extend).
    package mutating func mov(_ dst: Reg, _ m: Mem, q: Bool = true) {
        emit(w: q, Opcode(0x8B), reg: dst.rawValue, .mem(m))
    }

    /// `mov [m], src` of 8, 16, 32 or 64 bits.
    package mutating func store(_ m: Mem, _ src: Reg, bits: Int) {
        switch bits {
        case 8: emit(w: false, Opcode(0x88), reg: src.rawValue, .mem(m), byteReg: true)
        case 16: emit(0x66, w: false, Opcode(0x89), reg: src.rawValue, .mem(m))
        case 32: emit(w: false, Opcode(0x89), reg: src.rawValue, .mem(m))
        default: emit(w: true, Opcode(0x89), reg: src.rawValue, .mem(m))
        }
    }

    /// `mov [m], src` (64 bits).
    package mutating func mov(_ m: Mem, _ src: Reg) { store(m, src, bits: 64) }

    /// Loads a constant into `dst` in the shortest form (`xor` is not used: it changes the flags).
    package mutating func mov(_ dst: Reg, imm value: UInt64) {
        if value <= UInt64(UInt32.max) {
            emit32Imm(dst, UInt32(value))
        } else if Int64(bitPattern: value) >= Int64(Int32.min) && Int64(bitPattern: value) < 0 {
            emit(w: true, Opcode(0xC7), reg: 0, .reg(dst.rawValue))
            imm32(Int32(truncatingIfNeeded: value))
        } else {
            byte(0x48 | dst.high)
            byte(0xB8 + dst.low)
            imm64(value)
        }
    }

    private mutating func emit32Imm(_ dst: Reg, _ value: UInt32) {
        if dst.high != 0 { byte(0x41) }
        byte(0xB8 + dst.low)
        imm32(Int32(bitPattern: value))
    }

    /// `mov qword/dword [m], imm32` (the 64-bit form sign-extends the immediate).
    package mutating func mov(_ m: Mem, imm: Int32, q: Bool = true) {
        emit(w: q, Opcode(0xC7), reg: 0, .mem(m))
        imm32(imm)
    }

    /// `movzx dst, byte/word src` (bits 8 or 16) into a 32-bit register (which clears the upper half).
    package mutating func movzx(_ dst: Reg, _ m: Mem, bits: Int) {
        emit(w: false, Opcode(0x0F, bits == 8 ? 0xB6 : 0xB7), reg: dst.rawValue, .mem(m))
    }

    /// `movzx dst32, src8/src16`.
    package mutating func movzx(_ dst: Reg, _ src: Reg, bits: Int) {
        emit(
            w: false, Opcode(0x0F, bits == 8 ? 0xB6 : 0xB7), reg: dst.rawValue, .reg(src.rawValue),
            byteRM: bits == 8)
    }

    /// `movsx dst, byte/word/dword [m]`, sign-extending into 32 (`q: false`) or 64 bits.
    package mutating func movsx(_ dst: Reg, _ m: Mem, bits: Int, q: Bool) {
        switch bits {
        case 8: emit(w: q, Opcode(0x0F, 0xBE), reg: dst.rawValue, .mem(m))
        case 16: emit(w: q, Opcode(0x0F, 0xBF), reg: dst.rawValue, .mem(m))
        default: emit(w: true, Opcode(0x63), reg: dst.rawValue, .mem(m))
        }
    }

    /// `movsx dst, src8/src16/src32` into 32 (`q: false`) or 64 bits.
    package mutating func movsx(_ dst: Reg, _ src: Reg, bits: Int, q: Bool) {
        switch bits {
        case 8: emit(w: q, Opcode(0x0F, 0xBE), reg: dst.rawValue, .reg(src.rawValue), byteRM: true)
        case 16: emit(w: q, Opcode(0x0F, 0xBF), reg: dst.rawValue, .reg(src.rawValue))
        default: emit(w: true, Opcode(0x63), reg: dst.rawValue, .reg(src.rawValue))
        }
    }

    /// `lea dst, [m]`.
    package mutating func lea(_ dst: Reg, _ m: Mem) {
        emit(w: true, Opcode(0x8D), reg: dst.rawValue, .mem(m))
    }

    /// `lea dst, [rip + label]`: the address of a label (e.g. a jump table).
    package mutating func lea(_ dst: Reg, _ label: Label) {
        byte(0x48 | dst.high << 2)
        byte(0x8D)
        byte(dst.low << 3 | 5)
        rel32(label)
    }

    // MARK: Arithmetic

    /// `op dst, src`.
    package mutating func alu(_ op: ALU, _ dst: Reg, _ src: Reg, q: Bool = true) {
        emit(w: q, Opcode(op.rawValue << 3 | 1), reg: src.rawValue, .reg(dst.rawValue))
    }

    /// `op dst, [m]`.
    package mutating func alu(_ op: ALU, _ dst: Reg, _ m: Mem, q: Bool = true) {
        emit(w: q, Opcode(op.rawValue << 3 | 3), reg: dst.rawValue, .mem(m))
    }

    /// `op [m], src`.
    package mutating func alu(_ op: ALU, _ m: Mem, _ src: Reg, q: Bool = true) {
        emit(w: q, Opcode(op.rawValue << 3 | 1), reg: src.rawValue, .mem(m))
    }

    /// `op dst, imm` (64-bit forms sign-extend the 32-bit immediate).
    package mutating func alu(_ op: ALU, _ dst: Reg, imm: Int32, q: Bool = true) {
        aluImm(op, .reg(dst.rawValue), imm, q: q)
    }

    /// `op [m], imm`.
    package mutating func alu(_ op: ALU, _ m: Mem, imm: Int32, q: Bool = true) {
        aluImm(op, .mem(m), imm, q: q)
    }

    private mutating func aluImm(_ op: ALU, _ rm: RM, _ imm: Int32, q: Bool) {
        if Int32(Int8(truncatingIfNeeded: imm)) == imm {
            emit(w: q, Opcode(0x83), reg: op.rawValue, rm)
            byte(UInt8(bitPattern: Int8(imm)))
        } else if case .reg(0) = rm {
            // The short accumulator form LLVM picks.
            if q { byte(0x48) }
            byte(op.rawValue << 3 | 5)
            imm32(imm)
        } else {
            emit(w: q, Opcode(0x81), reg: op.rawValue, rm)
            imm32(imm)
        }
    }

    /// `test a, b`.
    package mutating func test(_ a: Reg, _ b: Reg, q: Bool = true) {
        emit(w: q, Opcode(0x85), reg: b.rawValue, .reg(a.rawValue))
    }

    /// `imul dst, src`.
    package mutating func imul(_ dst: Reg, _ src: Reg, q: Bool = true) {
        emit(w: q, Opcode(0x0F, 0xAF), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `imul dst, src, imm`.
    package mutating func imul(_ dst: Reg, _ src: Reg, imm: Int32, q: Bool = true) {
        if Int32(Int8(truncatingIfNeeded: imm)) == imm {
            emit(w: q, Opcode(0x6B), reg: dst.rawValue, .reg(src.rawValue))
            byte(UInt8(bitPattern: Int8(imm)))
        } else {
            emit(w: q, Opcode(0x69), reg: dst.rawValue, .reg(src.rawValue))
            imm32(imm)
        }
    }

    /// The `F7 /digit` group on a register.
    private mutating func group3(_ digit: UInt8, _ r: Reg, q: Bool) {
        emit(w: q, Opcode(0xF7), reg: digit, .reg(r.rawValue))
    }

    /// `not r`.
    package mutating func not(_ r: Reg, q: Bool = true) { group3(2, r, q: q) }
    /// `neg r`.
    package mutating func neg(_ r: Reg, q: Bool = true) { group3(3, r, q: q) }
    /// `mul r`: unsigned rdx:rax = rax * r (edx:eax when 32-bit).
    package mutating func mul(_ r: Reg, q: Bool = true) { group3(4, r, q: q) }
    /// `div r`: unsigned rdx:rax / r (edx:eax when 32-bit).
    package mutating func div(_ r: Reg, q: Bool = true) { group3(6, r, q: q) }
    /// `idiv r`: signed rdx:rax / r.
    package mutating func idiv(_ r: Reg, q: Bool = true) { group3(7, r, q: q) }

    /// `cdq` (32-bit) or `cqo` (64-bit): sign-extends eax/rax into edx/rdx.
    package mutating func signExtendAccumulator(q: Bool = true) {
        if q { byte(0x48) }
        byte(0x99)
    }

    /// `op r, cl`.
    package mutating func shift(_ op: Shift, _ r: Reg, q: Bool = true) {
        emit(w: q, Opcode(0xD3), reg: op.rawValue, .reg(r.rawValue))
    }

    /// `op r, imm` (the count is masked by the hardware to 5 or 6 bits).
    package mutating func shift(_ op: Shift, _ r: Reg, imm: UInt8, q: Bool = true) {
        if imm == 1 {
            emit(w: q, Opcode(0xD1), reg: op.rawValue, .reg(r.rawValue))
        } else {
            emit(w: q, Opcode(0xC1), reg: op.rawValue, .reg(r.rawValue))
            byte(imm)
        }
    }

    /// `lzcnt dst, src` (needs the LZCNT extension).
    package mutating func lzcnt(_ dst: Reg, _ src: Reg, q: Bool = true) {
        emit(0xF3, w: q, Opcode(0x0F, 0xBD), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `tzcnt dst, src` (needs BMI1).
    package mutating func tzcnt(_ dst: Reg, _ src: Reg, q: Bool = true) {
        emit(0xF3, w: q, Opcode(0x0F, 0xBC), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `popcnt dst, src` (needs POPCNT).
    package mutating func popcnt(_ dst: Reg, _ src: Reg, q: Bool = true) {
        emit(0xF3, w: q, Opcode(0x0F, 0xB8), reg: dst.rawValue, .reg(src.rawValue))
    }

    /// `setcc dst8`.
    package mutating func set(_ cond: Cond, _ dst: Reg) {
        emit(w: false, Opcode(0x0F, 0x90 | cond.rawValue), reg: 0, .reg(dst.rawValue), byteRM: true)
    }

    /// `cmovcc dst, src`.
    package mutating func cmov(_ cond: Cond, _ dst: Reg, _ src: Reg, q: Bool = true) {
        emit(w: q, Opcode(0x0F, 0x40 | cond.rawValue), reg: dst.rawValue, .reg(src.rawValue))
    }

    // MARK: Control flow

    /// `jmp label` (rel32).
    package mutating func jmp(_ label: Label) {
        byte(0xE9)
        rel32(label)
    }

    /// `jcc label` (rel32).
    package mutating func j(_ cond: Cond, _ label: Label) {
        byte(0x0F)
        byte(0x80 | cond.rawValue)
        rel32(label)
    }

    /// `jmp r`.
    package mutating func jmp(_ r: Reg) { emit(w: false, Opcode(0xFF), reg: 4, .reg(r.rawValue)) }

    /// `jmp [m]`.
    package mutating func jmp(_ m: Mem) { emit(w: false, Opcode(0xFF), reg: 4, .mem(m)) }

    /// `call r`.
    package mutating func call(_ r: Reg) { emit(w: false, Opcode(0xFF), reg: 2, .reg(r.rawValue)) }

    /// `call [m]`.
    package mutating func call(_ m: Mem) { emit(w: false, Opcode(0xFF), reg: 2, .mem(m)) }

    /// `call label` (rel32).
    package mutating func call(_ label: Label) {
        byte(0xE8)
        rel32(label)
    }

    /// `ret`.
    package mutating func ret() { byte(0xC3) }

    /// `push r`.
    package mutating func push(_ r: Reg) {
        if r.high != 0 { byte(0x41) }
        byte(0x50 + r.low)
    }

    /// `pop r`.
    package mutating func pop(_ r: Reg) {
        if r.high != 0 { byte(0x41) }
        byte(0x58 + r.low)
    }

    /// `cpuid`: processor identification for the leaf in eax (subleaf in ecx).
    package mutating func cpuid() {
        byte(0x0F)
        byte(0xA2)
    }

    /// `rep stosb`: stores al at [rdi], rcx times (direction flag clear: upwards).
    package mutating func repStosb() {
        byte(0xF3)
        byte(0xAA)
    }

    /// `rep movsb`: copies rcx bytes from [rsi] to [rdi] (downwards while the direction flag is set).
    package mutating func repMovsb() {
        byte(0xF3)
        byte(0xA4)
    }

    /// `std`: sets the direction flag (string instructions count down).
    package mutating func std() { byte(0xFD) }

    /// `cld`: clears the direction flag, as the ABI requires at every call and return.
    package mutating func cld() { byte(0xFC) }

    /// `ud2`: an instruction that always faults (marks code that must not be reached).
    package mutating func ud2() {
        byte(0x0F)
        byte(0x0B)
    }
}
