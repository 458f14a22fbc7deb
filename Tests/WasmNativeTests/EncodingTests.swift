import Foundation
import Testing

@testable import WasmNative

/// Compares the assembler's bytes, instruction by instruction, with what
/// LLVM's assembler (`llvm-mc -show-encoding`) produces for the same Intel
/// syntax text: an independent encoder, so a wrong REX bit, ModRM or SIB
/// byte shows up here rather than as a wrong result in compiled code.
@Suite struct EncodingTests {
    typealias Case = (text: String, emit: (inout X86Assembler) -> Void)

    static func name(_ r: Reg, _ bits: Int) -> String {
        let legacy = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
        let n = Int(r.rawValue)
        if n >= 8 { return "r\(n)" + ["b", "w", "d", ""][[8, 16, 32, 64].firstIndex(of: bits)!] }
        switch bits {
        case 64: return "r" + legacy[n]
        case 32: return "e" + legacy[n]
        case 16: return legacy[n]
        default: return ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"][n]
        }
    }

    static func memText(_ m: Mem, _ size: String) -> String {
        var s = "\(size) ptr [\(name(m.base, 64))"
        if let i = m.index { s += " + \(name(i, 64))*\(m.scale)" }
        if m.displacement != 0 {
            s += m.displacement < 0 ? " - \(-Int(m.displacement))" : " + \(m.displacement)"
        }
        return s + "]"
    }

    /// Every instruction form the compiler uses, over registers and addresses
    /// that hit the encoding corner cases (r8-r15, rsp/r12 needing a SIB,
    /// rbp/r13 needing a displacement, 8- and 32-bit displacements).
    static var cases: [Case] {
        var c: [Case] = []
        let regs: [Reg] = [.rax, .rcx, .rbx, .rsp, .rbp, .rsi, .rdi, .r8, .r12, .r13, .r15]
        let mems: [Mem] = [
            Mem(.rbx, 8), Mem(.rsp, 16), Mem(.rbp), Mem(.r12), Mem(.r13, 0), Mem(.r15, -8), Mem(.rax, 4096),
            Mem(.r12, index: .rax), Mem(.rbx, index: .r9, scale: 8, 40), Mem(.r13, index: .rcx, scale: 4),
        ]
        for a in regs {
            for b in [Reg.rax, .rdx, .rsp, .r9, .r14] {
                c.append(("mov \(name(a, 64)), \(name(b, 64))", { $0.mov(a, b) }))
                c.append(("mov \(name(a, 32)), \(name(b, 32))", { $0.mov(a, b, q: false) }))
                for (op, t) in [
                    (ALU.add, "add"), (.sub, "sub"), (.and, "and"), (.or, "or"), (.xor, "xor"), (.cmp, "cmp"),
                ] {
                    c.append(("\(t) \(name(a, 64)), \(name(b, 64))", { $0.alu(op, a, b) }))
                    c.append(("\(t) \(name(a, 32)), \(name(b, 32))", { $0.alu(op, a, b, q: false) }))
                }
                c.append(("test \(name(a, 64)), \(name(b, 64))", { $0.test(a, b) }))
                c.append(("imul \(name(a, 64)), \(name(b, 64))", { $0.imul(a, b) }))
                c.append(("imul \(name(a, 32)), \(name(b, 32))", { $0.imul(a, b, q: false) }))
                c.append(("imul \(name(a, 64)), \(name(b, 64)), 100000", { $0.imul(a, b, imm: 100000) }))
                c.append(("imul \(name(a, 32)), \(name(b, 32)), -3", { $0.imul(a, b, imm: -3, q: false) }))
                c.append(("cmovl \(name(a, 64)), \(name(b, 64))", { $0.cmov(.l, a, b) }))
                c.append(("cmovae \(name(a, 32)), \(name(b, 32))", { $0.cmov(.ae, a, b, q: false) }))
                c.append(("cmovns \(name(a, 64)), \(name(b, 64))", { $0.cmov(.ns, a, b) }))
                c.append(("cmovp \(name(a, 32)), \(name(b, 32))", { $0.cmov(.p, a, b, q: false) }))
                c.append(("cmova \(name(a, 64)), \(name(b, 64))", { $0.cmov(.a, a, b) }))
                c.append(("lzcnt \(name(a, 64)), \(name(b, 64))", { $0.lzcnt(a, b) }))
                c.append(("tzcnt \(name(a, 32)), \(name(b, 32))", { $0.tzcnt(a, b, q: false) }))
                c.append(("popcnt \(name(a, 64)), \(name(b, 64))", { $0.popcnt(a, b) }))
                c.append(("movzx \(name(a, 32)), \(name(b, 8))", { $0.movzx(a, b, bits: 8) }))
                c.append(("movzx \(name(a, 32)), \(name(b, 16))", { $0.movzx(a, b, bits: 16) }))
                c.append(("movsx \(name(a, 64)), \(name(b, 8))", { $0.movsx(a, b, bits: 8, q: true) }))
                c.append(("movsx \(name(a, 32)), \(name(b, 16))", { $0.movsx(a, b, bits: 16, q: false) }))
                c.append(("movsxd \(name(a, 64)), \(name(b, 32))", { $0.movsx(a, b, bits: 32, q: true) }))
            }
            for imm: Int32 in [0, 1, -1, 127, -128, 128, 100_000, Int32.min] {
                c.append(("add \(name(a, 64)), \(imm)", { $0.alu(.add, a, imm: imm) }))
                c.append(("cmp \(name(a, 32)), \(imm)", { $0.alu(.cmp, a, imm: imm, q: false) }))
                c.append(("and \(name(a, 64)), \(imm)", { $0.alu(.and, a, imm: imm) }))
            }
            for v: UInt64 in [
                0, 1, 0xFFFF_FFFF, 0x1_0000_0000, UInt64(bitPattern: -1), UInt64(bitPattern: -5),
                0x8000_0000_0000_0000,
            ] {
                let text: String
                if v <= 0xFFFF_FFFF {
                    text = "mov \(name(a, 32)), \(v)"
                } else if Int64(bitPattern: v) < 0 && Int64(bitPattern: v) >= Int64(Int32.min) {
                    text = "mov \(name(a, 64)), \(Int64(bitPattern: v))"
                } else {
                    text = "movabs \(name(a, 64)), \(v)"
                }
                c.append((text, { $0.mov(a, imm: v) }))
            }
            for (op, t) in [(Shift.shl, "shl"), (.shr, "shr"), (.sar, "sar"), (.rol, "rol"), (.ror, "ror")] {
                c.append(("\(t) \(name(a, 64)), cl", { $0.shift(op, a) }))
                c.append(("\(t) \(name(a, 32)), cl", { $0.shift(op, a, q: false) }))
                c.append(("\(t) \(name(a, 64)), 1", { $0.shift(op, a, imm: 1) }))
                c.append(("\(t) \(name(a, 32)), 31", { $0.shift(op, a, imm: 31, q: false) }))
            }
            c.append(("neg \(name(a, 64))", { $0.neg(a) }))
            c.append(("not \(name(a, 32))", { $0.not(a, q: false) }))
            c.append(("div \(name(a, 64))", { $0.div(a) }))
            c.append(("mul \(name(a, 64))", { $0.mul(a) }))
            c.append(("mul \(name(a, 32))", { $0.mul(a, q: false) }))
            c.append(("idiv \(name(a, 32))", { $0.idiv(a, q: false) }))
            c.append(("sete \(name(a, 8))", { $0.set(.e, a) }))
            c.append(("setl \(name(a, 8))", { $0.set(.l, a) }))
            c.append(("seta \(name(a, 8))", { $0.set(.a, a) }))
            c.append(("push \(name(a, 64))", { $0.push(a) }))
            c.append(("pop \(name(a, 64))", { $0.pop(a) }))
            c.append(("call \(name(a, 64))", { $0.call(a) }))
            c.append(("jmp \(name(a, 64))", { $0.jmp(a) }))
            for m in mems {
                c.append(("mov \(name(a, 64)), \(memText(m, "qword"))", { $0.mov(a, m) }))
                c.append(("mov \(name(a, 32)), \(memText(m, "dword"))", { $0.mov(a, m, q: false) }))
                c.append(("mov \(memText(m, "qword")), \(name(a, 64))", { $0.store(m, a, bits: 64) }))
                c.append(("mov \(memText(m, "dword")), \(name(a, 32))", { $0.store(m, a, bits: 32) }))
                c.append(("mov \(memText(m, "word")), \(name(a, 16))", { $0.store(m, a, bits: 16) }))
                c.append(("mov \(memText(m, "byte")), \(name(a, 8))", { $0.store(m, a, bits: 8) }))
                c.append(("movzx \(name(a, 32)), \(memText(m, "byte"))", { $0.movzx(a, m, bits: 8) }))
                c.append(("movzx \(name(a, 32)), \(memText(m, "word"))", { $0.movzx(a, m, bits: 16) }))
                c.append(
                    ("movsx \(name(a, 32)), \(memText(m, "byte"))", { $0.movsx(a, m, bits: 8, q: false) }))
                c.append(
                    ("movsx \(name(a, 64)), \(memText(m, "word"))", { $0.movsx(a, m, bits: 16, q: true) }))
                c.append(
                    ("movsxd \(name(a, 64)), \(memText(m, "dword"))", { $0.movsx(a, m, bits: 32, q: true) }))
                c.append(("lea \(name(a, 64)), \(memText(m, "qword"))", { $0.lea(a, m) }))
                c.append(("add \(name(a, 64)), \(memText(m, "qword"))", { $0.alu(.add, a, m) }))
                c.append(("cmp \(memText(m, "dword")), \(name(a, 32))", { $0.alu(.cmp, m, a, q: false) }))
            }
        }
        for m in mems {
            c.append(("mov \(memText(m, "qword")), -7", { $0.mov(m, imm: -7) }))
            c.append(("mov \(memText(m, "dword")), 123456", { $0.mov(m, imm: 123456, q: false) }))
            c.append(("add \(memText(m, "qword")), 1", { $0.alu(.add, m, imm: 1) }))
            c.append(("sub \(memText(m, "dword")), 1000", { $0.alu(.sub, m, imm: 1000, q: false) }))
            c.append(("call \(memText(m, "qword"))", { $0.call(m) }))
            c.append(("jmp \(memText(m, "qword"))", { $0.jmp(m) }))
            for x in [XReg.xmm0, .xmm7, .xmm8, .xmm15] {
                c.append(("movss \(x), \(memText(m, "dword"))", { $0.movs(x, m, double: false) }))
                c.append(("movsd \(x), \(memText(m, "qword"))", { $0.movs(x, m, double: true) }))
                c.append(("movss \(memText(m, "dword")), \(x)", { $0.movs(m, x, double: false) }))
                c.append(("movsd \(memText(m, "qword")), \(x)", { $0.movs(m, x, double: true) }))
                c.append(("addsd \(x), \(memText(m, "qword"))", { $0.sse(.add, x, m, double: true) }))
            }
        }
        let xs: [XReg] = [.xmm0, .xmm1, .xmm7, .xmm8, .xmm15]
        for a in xs {
            for b in xs {
                for (op, t) in [
                    (SSEOp.add, "add"), (.sub, "sub"), (.mul, "mul"), (.div, "div"), (.min, "min"),
                    (.max, "max"), (.sqrt, "sqrt"),
                ] {
                    c.append(("\(t)ss \(a), \(b)", { $0.sse(op, a, b, double: false) }))
                    c.append(("\(t)sd \(a), \(b)", { $0.sse(op, a, b, double: true) }))
                }
                for (op, t) in [(SSEBitOp.and, "andps"), (.andn, "andnps"), (.or, "orps"), (.xor, "xorps")] {
                    c.append(("\(t) \(a), \(b)", { $0.bitwise(op, a, b) }))
                }
                c.append(("ucomiss \(a), \(b)", { $0.ucomis(a, b, double: false) }))
                c.append(("ucomisd \(a), \(b)", { $0.ucomis(a, b, double: true) }))
                c.append(("cvtss2sd \(a), \(b)", { $0.cvtFloat(a, b, toDouble: true) }))
                c.append(("cvtsd2ss \(a), \(b)", { $0.cvtFloat(a, b, toDouble: false) }))
                c.append(("roundss \(a), \(b), 3", { $0.round(a, b, mode: 3, double: false) }))
                c.append(("roundsd \(a), \(b), 9", { $0.round(a, b, mode: 9, double: true) }))
                c.append(("roundss \(a), \(b), 10", { $0.round(a, b, mode: 10, double: false) }))
                c.append(("roundsd \(a), \(b), 8", { $0.round(a, b, mode: 8, double: true) }))
                c.append(("movaps \(a), \(b)", { $0.movaps(a, b) }))
            }
            for r in [Reg.rax, .rsi, .r9, .r15] {
                c.append(("movq \(a), \(name(r, 64))", { $0.movq(a, r) }))
                c.append(("movd \(a), \(name(r, 32))", { $0.movq(a, r, q: false) }))
                c.append(("movq \(name(r, 64)), \(a)", { $0.movq(r, a) }))
                c.append(("movd \(name(r, 32)), \(a)", { $0.movq(r, a, q: false) }))
                c.append(("cvtsi2ss \(a), \(name(r, 32))", { $0.cvtsi2s(a, r, q: false, double: false) }))
                c.append(("cvtsi2sd \(a), \(name(r, 64))", { $0.cvtsi2s(a, r, q: true, double: true) }))
                c.append(("cvttss2si \(name(r, 64)), \(a)", { $0.cvtts2si(r, a, q: true, double: false) }))
                c.append(("cvttsd2si \(name(r, 32)), \(a)", { $0.cvtts2si(r, a, q: false, double: true) }))
                // The forms and condition codes of the float-to-int and u64-to-float sequences.
                c.append(("cvttsd2si \(name(r, 64)), \(a)", { $0.cvtts2si(r, a, q: true, double: true) }))
                c.append(("cvttss2si \(name(r, 32)), \(a)", { $0.cvtts2si(r, a, q: false, double: false) }))
                c.append(("cvtsi2ss \(a), \(name(r, 64))", { $0.cvtsi2s(a, r, q: true, double: false) }))
            }
        }
        c.append(("ret", { $0.ret() }))
        c.append(("cdq", { $0.signExtendAccumulator(q: false) }))
        c.append(("cqo", { $0.signExtendAccumulator(q: true) }))
        c.append(("ud2", { $0.ud2() }))
        c.append(("rep stosb", { $0.repStosb() }))
        c.append(("rep movsb", { $0.repMovsb() }))
        c.append(("std", { $0.std() }))
        c.append(("cld", { $0.cld() }))
        c.append(("cpuid", { $0.cpuid() }))
        return c
    }

    /// The bytes of each line of `-show-encoding` output, in order.
    static func llvmEncodings(_ lines: [String], llvmMC: URL) throws -> [[UInt8]] {
        let source = ".intel_syntax noprefix\n" + lines.joined(separator: "\n") + "\n"
        let process = Process()
        process.executableURL = llvmMC
        process.arguments = ["-triple=x86_64", "-show-encoding"]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The text is larger than a pipe buffer: write it from another thread while reading.
        let data = Data(source.utf8)
        let writer = Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errText = String(decoding: err, as: UTF8.self)
        #expect(errText.isEmpty, "llvm-mc: \(errText.prefix(2000))")
        var result: [[UInt8]] = []
        for line in String(decoding: out, as: UTF8.self).split(separator: "\n") {
            guard let r = line.range(of: "encoding: [") else { continue }
            let list = line[r.upperBound...].prefix { $0 != "]" }
            result.append(list.split(separator: ",").map { UInt8($0.dropFirst(2), radix: 16)! })
        }
        return result
    }

    static func findLLVMMC() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for dir in path.split(separator: ":") {
            for name in ["llvm-mc", "llvm-mc-18", "llvm-mc-17", "llvm-mc-16", "llvm-mc-15", "llvm-mc-14"] {
                let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
        }
        return nil
    }

    @Test func encodingsMatchLLVM() throws {
        guard let llvmMC = Self.findLLVMMC() else {
            print("skipped: llvm-mc not installed")
            return
        }
        let cases = Self.cases
        #expect(cases.count > 2000)
        let expected = try Self.llvmEncodings(cases.map(\.text), llvmMC: llvmMC)
        try #require(
            expected.count == cases.count, "llvm-mc encoded \(expected.count) of \(cases.count) lines")
        var mismatches = 0
        for (k, c) in cases.enumerated() {
            var a = X86Assembler()
            c.emit(&a)
            if a.finish() != expected[k] {
                mismatches += 1
                if mismatches <= 20 {
                    let ours = a.finish().map { String(format: "%02x", $0) }.joined(separator: " ")
                    let theirs = expected[k].map { String(format: "%02x", $0) }.joined(separator: " ")
                    Issue.record("\(c.text): ours \(ours), llvm-mc \(theirs)")
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// Jumps: rel32 displacements count from the end of the jump, backwards and forwards.
    @Test func labelsResolveRelativeToTheNextInstruction() {
        var a = X86Assembler()
        let back = a.newLabel()
        let forward = a.newLabel()
        a.bind(back)
        a.ret()  // 0
        a.jmp(forward)  // 1...5, ends at 6
        a.j(.ne, back)  // 6...11, ends at 12: 0 - 12
        a.ud2()  // 12...13
        a.bind(forward)  // 14: 14 - 6
        a.ret()
        a.lea(.r9, back)  // 15...21, ends at 22: 0 - 22
        let code = a.finish()
        #expect(Array(code[15...21]) == [0x4C, 0x8D, 0x0D, 0xEA, 0xFF, 0xFF, 0xFF])
        #expect(Array(code[1...5]) == [0xE9, 0x08, 0, 0, 0])
        #expect(Array(code[6...11]) == [0x0F, 0x85, 0xF4, 0xFF, 0xFF, 0xFF])
    }
}
