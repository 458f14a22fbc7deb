import TBCodegen

/// A seeded generator of random, terminating translation blocks for
/// differential testing (reference interpreter against emitted Wasm).
///
/// Every generated TB exercises every op family: arithmetic at both widths
/// on edge-case constants, all conditions, bounded loops (`r13`, `r14` as
/// counters), forward branches, helper calls (the four helpers of
/// ``helperSignatures``), CPU-state traffic inside `[env, env + envSize)`
/// and guest memory traffic inside the configured RAM, aligned (TLB fast
/// path once filled) and unaligned (always the slow path).
///
/// Register conventions: `r0`...`r11` hold data, `r12` is scratch for
/// addresses and loop control, `r13`/`r14` count loop iterations, and `r15`
/// bounds the `goto_tb` self-loop at the end: the TB re-runs itself while
/// `r15 > 1`, decrementing it, so start with a small `r15`
/// (``initialRegisters()`` does).
public struct RandomTBGenerator: Sendable {
    /// The shape of the generated TBs.
    public struct Configuration: Sendable, Hashable {
        /// The guest pc of generated TBs.
        public var pc: UInt64 = 0x1000
        /// Size of the CPU state in bytes; env accesses stay inside it.
        public var envSize: Int = 256
        /// First guest address of RAM.
        public var guestBase: UInt64 = 0x4_0000
        /// Size of guest RAM in bytes (a power of two, at least 2 pages).
        public var guestSize: UInt64 = 0x4000
        /// Roughly how many ops a TB gets (loops repeat them at run time).
        public var targetOpCount: Int = 80
        /// Whether the TB loads `r0`...`r15` from `env + envSize + 8 * i` on entry
        /// and stores them back there before leaving, so the final register
        /// values are visible in memory (the emitted module does not export its
        /// register globals).
        public var spillsRegisters: Bool = false

        /// The byte offset of the register save area in the CPU state (after the random-access area).
        public var registerFileOffset: Int32 { Int32(envSize) }

        /// The default configuration.
        public init() {}
    }

    /// The helpers generated TBs call, with their signatures.
    public static let helperSignatures: [TBHelperSignature] = [
        TBHelperSignature(name: "h_mix", argumentCount: 2, hasResult: true),
        TBHelperSignature(name: "h_sink", argumentCount: 1, hasResult: false),
        TBHelperSignature(name: "h_six", argumentCount: 6, hasResult: true),
        TBHelperSignature(name: "h_const", argumentCount: 0, hasResult: true),
    ]

    /// The reference behaviour of the helpers in ``helperSignatures`` (pure functions).
    ///
    /// - `h_mix(a, b) = (a ^ (b << 1)) + 0x1234567`
    /// - `h_sink(a)` returns nothing
    /// - `h_six(a...f) = a + 2b + 3c + 4d + 5e + 6f`
    /// - `h_const() = 0x5a5a`
    /// all modulo 2^64. Unknown names return 0.
    public static func evaluateHelper(_ name: String, _ args: TBHelperArguments) -> UInt64 {
        switch name {
        case "h_mix": return (args[0] ^ (args[1] &<< 1)) &+ 0x123_4567
        case "h_six":
            var s: UInt64 = 0
            for i in 0..<6 { s = s &+ args[i] &* UInt64(i + 1) }
            return s
        case "h_const": return 0x5A5A
        default: return 0
        }
    }

    /// The configuration.
    public var configuration: Configuration
    private var random: SplitMix64

    /// Creates a generator; equal seeds give equal sequences of TBs.
    public init(seed: UInt64, configuration: Configuration = Configuration()) {
        self.random = SplitMix64(seed: seed)
        self.configuration = configuration
    }

    /// The next 64 bits of the generator's random stream (tests draw memory
    /// contents and choices from it too, so one seed replays a whole case).
    public mutating func nextRandom() -> UInt64 { random.next() }

    /// A random number in `0..<n` (0 when `n` < 1).
    public mutating func below(_ n: Int) -> Int { Int(nextRandom() % UInt64(max(n, 1))) }
    private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    private mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    private mutating func dataReg() -> TBReg { TBReg(rawValue: UInt8(below(12)))! }
    private mutating func anyReg() -> TBReg { TBReg(rawValue: UInt8(below(16)))! }

    private static let edgeConstants: [UInt64] = [
        0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, UInt64(Int64.max), 1 << 63,
        UInt64.max, UInt64.max - 1,
    ]

    private mutating func constant() -> UInt64 {
        chance(60) ? pick(Self.edgeConstants) : nextRandom() >> UInt64(below(64))
    }

    /// Initial register values suited to generated TBs (small `r15`).
    public mutating func initialRegisters() -> TBRegisters {
        var r = TBRegisters()
        for reg in TBReg.allCases { r[reg] = constant() }
        r[.r15] = UInt64(below(4))
        return r
    }

    /// Generates the next TB.
    public mutating func next() -> TranslationBlock {
        var b = TBBuilder(pc: configuration.pc)
        var budget = configuration.targetOpCount
        if configuration.spillsRegisters {
            for r in TBReg.allCases {
                b.loadEnv(.u64, r, offset: configuration.registerFileOffset + Int32(8 * r.index))
            }
        }
        // Seed a few registers with edge constants so arithmetic meets them.
        for _ in 0..<3 { b.movi(dataReg(), constant()) }
        emitBlock(&b, depth: 0, budget: &budget)
        // Bounded self-loop via goto_tb, then a random way out.
        let exit = b.newLabel()
        b.movi(.r12, 1)
        b.brcond(.leu, .r15, .r12, exit)
        b.sub(.r15, .r15, .r12)
        spill(&b)
        if chance(50) {
            b.gotoTB(configuration.pc)
        } else {
            b.movi(.r12, configuration.pc)
            b.gotoPtr(.r12)
        }
        b.setLabel(exit)
        spill(&b)
        switch below(3) {
        case 0: b.exitTB(constant())
        case 1: b.gotoTB(configuration.pc &+ 0x40 &* UInt64(1 + below(8)))
        default:
            b.movi(.r12, configuration.pc &+ 4)
            b.gotoPtr(.r12)
        }
        // The generator only emits well-formed ops, so finishing cannot fail.
        do { return try b.finish() } catch {
            preconditionFailure("RandomTBGenerator built an invalid TB: \(error)")
        }
    }

    private func spill(_ b: inout TBBuilder) {
        guard configuration.spillsRegisters else { return }
        for r in TBReg.allCases {
            b.storeEnv(.u64, r, offset: configuration.registerFileOffset + Int32(8 * r.index))
        }
    }

    private mutating func emitBlock(_ b: inout TBBuilder, depth: Int, budget: inout Int) {
        let count = 3 + below(8)
        for _ in 0..<count where budget > 0 {
            budget -= 1
            let roll = below(100)
            if roll < 8, depth < 2 {
                emitLoop(&b, depth: depth, budget: &budget)
            } else if roll < 16, depth < 3 {
                let skip = b.newLabel()
                b.brcond(pick(TBCond.allCases), anyReg(), anyReg(), skip, width: pick(TBWidth.allCases))
                emitBlock(&b, depth: depth + 1, budget: &budget)
                b.setLabel(skip)
            } else if roll < 24 {
                emitCall(&b)
            } else if roll < 36 {
                emitGuestAccess(&b)
            } else if roll < 44 {
                emitEnvAccess(&b)
            } else {
                emitArithmetic(&b)
            }
        }
    }

    private mutating func emitLoop(_ b: inout TBBuilder, depth: Int, budget: inout Int) {
        let counter: TBReg = depth == 0 ? .r13 : .r14
        let top = b.newLabel()
        b.movi(counter, UInt64(1 + below(4)))
        b.setLabel(top)
        emitBlock(&b, depth: depth + 1, budget: &budget)
        b.movi(.r12, 1)
        b.sub(counter, counter, .r12)
        b.movi(.r12, 0)
        b.brcond(.ne, counter, .r12, top)
    }

    private mutating func emitCall(_ b: inout TBBuilder) {
        let sig = pick(Self.helperSignatures)
        let args = (0..<sig.argumentCount).map { _ in anyReg() }
        b.callHelper(sig.name, args: args, result: sig.hasResult ? dataReg() : nil)
    }

    private mutating func emitGuestAccess(_ b: inout TBBuilder) {
        let acc = pick(TBMemAccess.allCases)
        // Addresses stay in the lower half of RAM, so even 8-byte accesses fit.
        let halfBits = UInt8(UInt64(configuration.guestSize).trailingZeroBitCount - 1)
        let base = Int32(truncatingIfNeeded: configuration.guestBase)
        if chance(50) {
            // Aligned constant address: fast path once the page's entry is filled.
            let slot = UInt64(below(Int(configuration.guestSize / 2) / 8)) * 8
            b.movi(.r12, configuration.guestBase &+ slot)
            if chance(50) {
                b.guestLoad(acc, dataReg(), address: .r12)
            } else {
                b.guestStore(acc, anyReg(), address: .r12)
            }
        } else {
            // Data-dependent address, often unaligned: slow path.
            b.extract(.r12, anyReg(), position: 0, length: Int(halfBits))
            if chance(50) {
                b.guestLoad(acc, dataReg(), address: .r12, offset: base)
            } else {
                b.guestStore(acc, anyReg(), address: .r12, offset: base)
            }
        }
    }

    private mutating func emitEnvAccess(_ b: inout TBBuilder) {
        let acc = pick(TBMemAccess.allCases)
        let off = Int32(below(configuration.envSize - 8))
        if chance(50) {
            b.loadEnv(acc, dataReg(), offset: off)
        } else {
            b.storeEnv(acc, anyReg(), offset: off)
        }
    }

    private mutating func emitArithmetic(_ b: inout TBBuilder) {
        let w = pick(TBWidth.allCases)
        switch below(12) {
        case 0: b.movi(dataReg(), constant())
        case 1: b.mov(dataReg(), anyReg())
        case 2, 3, 4: b.binary(pick(TBBinaryOp.allCases), dataReg(), anyReg(), anyReg(), width: w)
        case 5: b.unary(pick(TBUnaryOp.allCases), dataReg(), anyReg(), width: w)
        case 6: b.extend(pick(TBExtendOp.allCases), dataReg(), anyReg())
        case 7:
            let pos = below(64)
            let len = 1 + below(64 - pos)
            if chance(50) {
                b.extract(dataReg(), anyReg(), position: pos, length: len)
            } else {
                b.sextract(dataReg(), anyReg(), position: pos, length: len)
            }
        case 8: b.setcond(pick(TBCond.allCases), dataReg(), anyReg(), anyReg(), width: w)
        case 9: b.negsetcond(pick(TBCond.allCases), dataReg(), anyReg(), anyReg(), width: w)
        case 10:
            b.movcond(
                pick(TBCond.allCases), dataReg(), anyReg(), anyReg(), ifTrue: anyReg(), ifFalse: anyReg(),
                width: w)
        default: b.mb()
        }
    }
}
