import TBCodegen

// Guest basic block -> TB IR, the way a QEMU frontend (target/riscv/translate.c)
// emits TCG ops.
//
// Guest state lives in memory, not in TB registers: the CPU state (`env`, see
// ``RISCVCPUState``) holds x0...x31 and the pc, and every instruction loads its
// sources from env into the TB temporaries r0...r15 and stores its result back.
// So env is exact at every helper call, which is what lets a helper (an ecall,
// a slow-path memory access) read the guest registers or switch fibers.
//
// Leaving a TB:
//   * jumps and branches: `goto_tb pc` (constant target) or `goto_ptr r`
//     (jalr); the host continues at the TB for that pc (next_tb);
//   * a block that ends without a control transfer (length limit, or the next
//     word does not decode): `goto_tb` to the following address, where
//     translation reports the fault;
//   * ecall: the helper `riscv_ecall` services it; a zero result continues
//     with `goto_tb pc+4`, a non-zero one stops the TB with
//     `exit_tb RISCVTBExit.stopped` (env.pc = pc + 4) so the host can run
//     another hart;
//   * ebreak: `exit_tb RISCVTBExit.breakpoint` (env.pc = its pc);
//   * fence.i: `exit_tb RISCVTBExit.flushCode` (env.pc = pc + 4).
// The pc is also stored into env before each guest memory access, so a fault
// in the slow path knows which instruction made it.

/// The RISC-V CPU state as the translated code sees it (`env`).
public enum RISCVCPUState {
    /// Byte offset of register `x[index]` (8 bytes each, x0 at 0).
    public static func offset(ofRegister index: Int) -> Int32 { Int32(index * 8) }
    /// Byte offset of the pc.
    public static let pcOffset: Int32 = 256
    /// Byte offset of the retired-instruction counter (`instret`): each TB adds
    /// its block length on entry, so loops inside a TB are counted too.
    public static let instructionCountOffset: Int32 = 264
    /// Byte offset of the self-loop deadline: a block translated with
    /// `exitingSelfLoops` keeps looping inside its TB while `instret` is below
    /// it and leaves the TB (``RISCVTBExit/resume``) once it is reached. The
    /// host writes it (0, the reset value, exits on every pass).
    public static let loopDeadlineOffset: Int32 = 272
    /// Size in bytes.
    public static let size = 280
}

/// The values a translated block passes to `exit_tb` (never 0, which the TB
/// runtime reserves for "continue at next_tb").
public enum RISCVTBExit: UInt64, Sendable {
    /// An ecall asked to stop this hart for now (yield or exit); resume at env.pc.
    case stopped = 1
    /// `ebreak` at env.pc.
    case breakpoint = 2
    /// `fence.i`: drop translated code, resume at env.pc.
    case flushCode = 3
    /// A jump back to the block's own start, when the block was translated
    /// with `exitingSelfLoops` and `instret` reached the loop deadline:
    /// continue at env.pc (the host gets control, so it can stop a loop that
    /// never leaves the block).
    case resume = 4
}

/// Translates guest basic blocks into TB IR.
public enum RISCVTranslator {
    /// The helper every `ecall` calls: no arguments, returns 0 to continue.
    public static let ecallHelper = "riscv_ecall"

    /// Translates one basic block.
    /// - Parameters:
    ///   - exitingSelfLoops: when a jump or branch targets the block's own
    ///     start, loop inside the TB only while `instret` is below the loop
    ///     deadline in env (``RISCVCPUState/loopDeadlineOffset``), else leave
    ///     the TB with ``RISCVTBExit/resume``. A TB otherwise loops on itself
    ///     without returning to the host (on Wasm there is no step limit), so
    ///     an engine that must stop any guest loop sets this and writes its
    ///     instruction budget as the deadline. Looping inside the TB keeps a
    ///     hot loop in one TB run instead of one host round trip per pass.
    /// - Throws: ``TBBuildError`` if the builder rejects the block (a bug in this translator).
    public static func translate(
        _ block: GuestBasicBlock, exitingSelfLoops: Bool = false
    ) throws(TBBuildError) -> TranslationBlock {
        var emitter = Emitter(
            builder: TBBuilder(pc: block.startAddress), start: block.startAddress,
            exitingSelfLoops: exitingSelfLoops)
        let segments = block.segmentLengths
        emitter.countInstructions(segments[0])
        var segment = 0
        for (index, instruction) in block.instructions.enumerated() {
            emitter.beginInstruction()
            if block.isFollowed(at: index), instruction.opcode.isConditionalBranch {
                emitter.sideExit(instruction, at: block.addresses[index])
                segment += 1
                emitter.countInstructions(segments[segment])
            } else if block.isFollowed(at: index) {
                emitter.link(instruction, at: block.addresses[index])
            } else {
                emitter.emit(instruction, at: block.addresses[index])
            }
        }
        if block.end != .controlTransfer { emitter.goto(block.fallThroughAddress) }
        return try emitter.builder.finish()
    }
}

/// One instruction's worth of TB ops at a time.
private struct Emitter {
    var builder: TBBuilder
    let start: UInt64
    let exitingSelfLoops: Bool

    // Temporaries: sources, result, and scratch for the multiply-high sequence.
    let a = TBReg.r1
    let b = TBReg.r2
    let d = TBReg.r0
    let t = TBReg.r3

    /// The guest register the last instruction emitted left in `d` (besides
    /// storing it to env), 0 for none; `available` is the previous
    /// instruction's, which the current one may read from `d` instead of env.
    /// Straight-line only: every instruction that can be followed by another
    /// in the same TB falls through to it, and a TB starts with none.
    var forwarded: UInt8 = 0
    var available: UInt8 = 0

    mutating func beginInstruction() {
        available = forwarded
        forwarded = 0
    }

    /// A register holding `x[x]`: `d` when the previous instruction just
    /// computed it there, else `reg` loaded from env. Callers read every
    /// source before writing `d`.
    mutating func source(_ reg: TBReg, _ x: UInt8) -> TBReg {
        if x != 0 && x == available { return d }
        get(reg, x)
        return reg
    }

    mutating func get(_ reg: TBReg, _ x: UInt8) {
        if x == 0 {
            builder.movi(reg, 0)
        } else {
            builder.loadEnv(.u64, reg, offset: RISCVCPUState.offset(ofRegister: Int(x)))
        }
    }

    mutating func set(_ x: UInt8, _ reg: TBReg) {
        if x != 0 { builder.storeEnv(.u64, reg, offset: RISCVCPUState.offset(ofRegister: Int(x))) }
        if reg == d { forwarded = x }
    }

    /// Adds a segment's length to `instret` (each TB segment on entry to it,
    /// so the count is exact whichever side exit a pass leaves by).
    mutating func countInstructions(_ count: Int) {
        forwarded = 0
        builder.loadEnv(.u64, d, offset: RISCVCPUState.instructionCountOffset)
        builder.movi(t, UInt64(count))
        builder.add(d, d, t)
        builder.storeEnv(.u64, d, offset: RISCVCPUState.instructionCountOffset)
    }

    /// `goto_tb target`; a self-loop past the loop deadline exits to the host
    /// instead (see `exitingSelfLoops`). Clobbers the temporaries.
    mutating func goto(_ target: UInt64) {
        if exitingSelfLoops && target == start {
            let keepLooping = builder.newLabel()
            belowLoopDeadline(keepLooping)
            storePC(start)
            builder.exitTB(RISCVTBExit.resume.rawValue)
            builder.setLabel(keepLooping)
        }
        builder.gotoTB(target)
    }

    /// Branches to `label` while `instret` < the loop deadline (clobbers `b` and `t`).
    mutating func belowLoopDeadline(_ label: TBLabel) {
        builder.loadEnv(.u64, b, offset: RISCVCPUState.instructionCountOffset)
        builder.loadEnv(.u64, t, offset: RISCVCPUState.loopDeadlineOffset)
        builder.brcond(.ltu, b, t, label)
    }

    /// A conditional branch the block went past: leave the TB for its target
    /// when it is taken, else go on with the next segment.
    mutating func sideExit(_ i: Instruction, at pc: UInt64) {
        let notTaken: TBCond
        switch i.opcode {
        case .beq: notTaken = .ne
        case .bne: notTaken = .eq
        case .blt: notTaken = .ge
        case .bge: notTaken = .lt
        case .bltu: notTaken = .geu
        default: notTaken = .ltu  // bgeu (only conditional branches get here)
        }
        let x = source(a, i.rs1)
        let y = source(b, i.rs2)
        let stay = builder.newLabel()
        builder.brcond(notTaken, x, y, stay)
        goto(pc &+ UInt64(bitPattern: i.imm))
        builder.setLabel(stay)
    }

    /// A jump the block followed: only its link register (`rd = pc + 4`).
    mutating func link(_ i: Instruction, at pc: UInt64) {
        builder.movi(d, pc &+ 4)
        set(i.rd, d)
    }

    mutating func storePC(_ pc: UInt64) {
        builder.movi(t, pc)
        builder.storeEnv(.u64, t, offset: RISCVCPUState.pcOffset)
    }

    /// `rd = rs1 op rs2` (or `rs1 op imm`), optionally as a *W op.
    mutating func arithmetic(_ op: TBBinaryOp, _ i: Instruction, immediate: Bool, word: Bool = false) {
        // `li rd, imm` (addi rd, x0, imm) and `mv rd, rs` (addi rd, rs, 0):
        // a constant or a copy instead of an add, in one op fewer for every engine.
        if op == .add, immediate, !word {
            if i.rs1 == 0 {
                builder.movi(d, UInt64(bitPattern: i.imm))
                set(i.rd, d)
                return
            }
            if i.imm == 0 {
                let x = source(a, i.rs1)
                if x != d { builder.mov(d, x) }
                set(i.rd, d)
                return
            }
        }
        let x = source(a, i.rs1)
        var y = b
        if immediate { builder.movi(b, UInt64(bitPattern: i.imm)) } else { y = source(b, i.rs2) }
        builder.binary(op, d, x, y, width: word ? .w32 : .w64)
        if word { builder.extend(.ext32s, d, d) }
        set(i.rd, d)
    }

    mutating func compare(_ cond: TBCond, _ i: Instruction, immediate: Bool) {
        let x = source(a, i.rs1)
        var y = b
        if immediate { builder.movi(b, UInt64(bitPattern: i.imm)) } else { y = source(b, i.rs2) }
        builder.setcond(cond, d, x, y)
        set(i.rd, d)
    }

    mutating func branch(_ cond: TBCond, _ i: Instruction, at pc: UInt64) {
        let x = source(a, i.rs1)
        let y = source(b, i.rs2)
        let taken = builder.newLabel()
        builder.brcond(cond, x, y, taken)
        goto(pc &+ 4)
        builder.setLabel(taken)
        goto(pc &+ UInt64(bitPattern: i.imm))
    }

    mutating func load(_ access: TBMemAccess, _ i: Instruction, at pc: UInt64) {
        storePC(pc)
        let address = source(a, i.rs1)
        builder.guestLoad(access, d, address: address, offset: Int32(i.imm))
        set(i.rd, d)
    }

    mutating func store(_ access: TBMemAccess, _ i: Instruction, at pc: UInt64) {
        storePC(pc)
        let address = source(a, i.rs1)
        let value = source(b, i.rs2)
        builder.guestStore(access, value, address: address, offset: Int32(i.imm))
    }

    /// `rd` = high 64 bits of `rs1 * rs2`, from four 32x32 partial products
    /// (the IR has no widening multiply). Signed forms subtract the operand
    /// that a negative partner contributes: for signed `a`,
    /// `a = a_u - 2^64 [a < 0]`, so `high(a * b) = high_u(a, b) - b [a < 0]`.
    mutating func multiplyHigh(_ i: Instruction, signedA: Bool, signedB: Bool) {
        let (mask, shift, aLow, aHigh, bLow, bHigh, p, u, v) =
            (TBReg.r4, TBReg.r5, TBReg.r6, TBReg.r7, TBReg.r8, TBReg.r9, TBReg.r10, TBReg.r11, TBReg.r12)
        get(a, i.rs1)
        get(b, i.rs2)
        builder.movi(mask, 0xffff_ffff)
        builder.movi(shift, 32)
        builder.and(aLow, a, mask)
        builder.shr(aHigh, a, shift)
        builder.and(bLow, b, mask)
        builder.shr(bHigh, b, shift)
        builder.mul(p, aLow, bLow)
        builder.shr(p, p, shift)
        builder.mul(u, aHigh, bLow)
        builder.add(u, u, p)  // aH*bL + (aL*bL >> 32) cannot overflow
        builder.mul(v, aLow, bHigh)
        builder.and(p, u, mask)
        builder.add(v, v, p)  // aL*bH + low(u) cannot overflow
        builder.mul(d, aHigh, bHigh)
        builder.shr(u, u, shift)
        builder.add(d, d, u)
        builder.shr(v, v, shift)
        builder.add(d, d, v)
        builder.movi(shift, 63)
        if signedA {
            builder.sar(p, a, shift)
            builder.and(p, p, b)
            builder.sub(d, d, p)
        }
        if signedB {
            builder.sar(p, b, shift)
            builder.and(p, p, a)
            builder.sub(d, d, p)
        }
        set(i.rd, d)
    }

    mutating func emit(_ i: Instruction, at pc: UInt64) {
        switch i.opcode {
        case .lui:
            builder.movi(d, UInt64(bitPattern: i.imm))
            set(i.rd, d)
        case .auipc:
            builder.movi(d, pc &+ UInt64(bitPattern: i.imm))
            set(i.rd, d)
        case .jal:
            builder.movi(d, pc &+ 4)
            set(i.rd, d)
            goto(pc &+ UInt64(bitPattern: i.imm))
        case .jalr:
            get(a, i.rs1)  // before rd is written: rd may be rs1
            builder.movi(t, UInt64(bitPattern: i.imm))
            builder.add(a, a, t)
            builder.movi(t, ~1)
            builder.and(a, a, t)
            builder.movi(d, pc &+ 4)
            set(i.rd, d)
            if exitingSelfLoops {
                builder.movi(t, start)
                let elsewhere = builder.newLabel()
                builder.brcond(.ne, a, t, elsewhere)
                belowLoopDeadline(elsewhere)
                storePC(start)
                builder.exitTB(RISCVTBExit.resume.rawValue)
                builder.setLabel(elsewhere)
            }
            builder.gotoPtr(a)
        case .beq: branch(.eq, i, at: pc)
        case .bne: branch(.ne, i, at: pc)
        case .blt: branch(.lt, i, at: pc)
        case .bge: branch(.ge, i, at: pc)
        case .bltu: branch(.ltu, i, at: pc)
        case .bgeu: branch(.geu, i, at: pc)
        case .lb: load(.s8, i, at: pc)
        case .lh: load(.s16, i, at: pc)
        case .lw: load(.s32, i, at: pc)
        case .ld: load(.u64, i, at: pc)
        case .lbu: load(.u8, i, at: pc)
        case .lhu: load(.u16, i, at: pc)
        case .lwu: load(.u32, i, at: pc)
        case .sb: store(.u8, i, at: pc)
        case .sh: store(.u16, i, at: pc)
        case .sw: store(.u32, i, at: pc)
        case .sd: store(.u64, i, at: pc)
        case .addi: arithmetic(.add, i, immediate: true)
        case .slti: compare(.lt, i, immediate: true)
        case .sltiu: compare(.ltu, i, immediate: true)
        case .xori: arithmetic(.xor, i, immediate: true)
        case .ori: arithmetic(.or, i, immediate: true)
        case .andi: arithmetic(.and, i, immediate: true)
        case .slli: arithmetic(.shl, i, immediate: true)
        case .srli: arithmetic(.shr, i, immediate: true)
        case .srai: arithmetic(.sar, i, immediate: true)
        case .add: arithmetic(.add, i, immediate: false)
        case .sub: arithmetic(.sub, i, immediate: false)
        case .sll: arithmetic(.shl, i, immediate: false)
        case .slt: compare(.lt, i, immediate: false)
        case .sltu: compare(.ltu, i, immediate: false)
        case .xor: arithmetic(.xor, i, immediate: false)
        case .srl: arithmetic(.shr, i, immediate: false)
        case .sra: arithmetic(.sar, i, immediate: false)
        case .or: arithmetic(.or, i, immediate: false)
        case .and: arithmetic(.and, i, immediate: false)
        case .fence: builder.mb()
        case .fenceI:
            storePC(pc &+ 4)
            builder.exitTB(RISCVTBExit.flushCode.rawValue)
        case .ecall:
            storePC(pc)
            builder.callHelper(RISCVTranslator.ecallHelper, args: [], result: d)
            builder.movi(t, 0)
            let stop = builder.newLabel()
            builder.brcond(.ne, d, t, stop)
            builder.gotoTB(pc &+ 4)
            builder.setLabel(stop)
            storePC(pc &+ 4)
            builder.exitTB(RISCVTBExit.stopped.rawValue)
        case .ebreak:
            storePC(pc)
            builder.exitTB(RISCVTBExit.breakpoint.rawValue)
        case .addiw: arithmetic(.add, i, immediate: true, word: true)
        case .slliw: arithmetic(.shl, i, immediate: true, word: true)
        case .srliw: arithmetic(.shr, i, immediate: true, word: true)
        case .sraiw: arithmetic(.sar, i, immediate: true, word: true)
        case .addw: arithmetic(.add, i, immediate: false, word: true)
        case .subw: arithmetic(.sub, i, immediate: false, word: true)
        case .sllw: arithmetic(.shl, i, immediate: false, word: true)
        case .srlw: arithmetic(.shr, i, immediate: false, word: true)
        case .sraw: arithmetic(.sar, i, immediate: false, word: true)
        case .mul: arithmetic(.mul, i, immediate: false)
        case .mulh: multiplyHigh(i, signedA: true, signedB: true)
        case .mulhsu: multiplyHigh(i, signedA: true, signedB: false)
        case .mulhu: multiplyHigh(i, signedA: false, signedB: false)
        case .div: arithmetic(.div, i, immediate: false)
        case .divu: arithmetic(.divu, i, immediate: false)
        case .rem: arithmetic(.rem, i, immediate: false)
        case .remu: arithmetic(.remu, i, immediate: false)
        case .mulw: arithmetic(.mul, i, immediate: false, word: true)
        case .divw: arithmetic(.div, i, immediate: false, word: true)
        case .divuw: arithmetic(.divu, i, immediate: false, word: true)
        case .remw: arithmetic(.rem, i, immediate: false, word: true)
        case .remuw: arithmetic(.remu, i, immediate: false, word: true)
        }
    }
}
