import Testing

@testable import WasmNative

#if canImport(Glibc)
    import Glibc
#endif

/// Runs generated code: the bytes land in executable memory and compute what
/// the instructions say (a sum loop checked against the closed form).
@Suite struct CodeMemoryTests {
    typealias Binary = @convention(c) (UInt64, UInt64) -> UInt64

    @Test func generatedFunctionRuns() throws {
        #if arch(x86_64)
            // f(a, b) = (a + b) * 3 - 1, System V: a in rdi, b in rsi, result in rax.
            var a = X86Assembler()
            a.lea(.rax, Mem(.rdi, index: .rsi))
            a.imul(.rax, .rax, imm: 3)
            a.alu(.sub, .rax, imm: 1)
            a.ret()
            let code = try CodeMemory(a.finish())
            let f = unsafeBitCast(code.base, to: Binary.self)
            #expect(f(20, 22) == 125)
            #expect(f(UInt64.max, 0) == UInt64(bitPattern: -4))
        #else
            print("skipped: needs an x86_64 host")
        #endif
    }

    @Test func loopWithLabelsRuns() throws {
        #if arch(x86_64)
            // sum(n, step) = step * (1 + 2 + ... + n), as a counted loop with a backward jcc.
            var a = X86Assembler()
            let top = a.newLabel()
            let done = a.newLabel()
            a.mov(.rax, imm: 0)
            a.test(.rdi, .rdi)
            a.j(.e, done)
            a.bind(top)
            a.mov(.rcx, .rdi)
            a.imul(.rcx, .rsi)
            a.alu(.add, .rax, .rcx)
            a.alu(.sub, .rdi, imm: 1)
            a.j(.ne, top)
            a.bind(done)
            a.ret()
            let code = try CodeMemory(a.finish())
            let f = unsafeBitCast(code.base, to: Binary.self)
            #expect(f(0, 5) == 0)
            #expect(f(100, 1) == 5050)
            #expect(f(1000, 3) == 3 * 500_500)
        #else
            print("skipped: needs an x86_64 host")
        #endif
    }

    /// Many small blocks share an arena's chunks: each runs (f(x) = x + k for
    /// its own k), the bytes count live blocks only, and a chunk is unmapped
    /// once its blocks are gone and the arena has moved on.
    @Test func arenaBlocksRunAndAreGivenBack() throws {
        #if arch(x86_64)
            typealias Unary = @convention(c) (UInt64) -> UInt64
            let arena = CodeArena(chunkSize: 4096)
            var blocks: [CodeMemory] = []
            for k in 0..<600 {
                var a = X86Assembler()
                a.lea(.rax, Mem(.rdi, Int32(k)))
                a.ret()
                blocks.append(try arena.place(a.finish()))
            }
            for (k, block) in blocks.enumerated() {
                #expect(unsafeBitCast(block.base, to: Unary.self)(1000) == 1000 + UInt64(k))
            }
            // 600 blocks of at most 16 bytes: a few 4 KiB chunks, not 600 pages.
            #expect(arena.mappedChunkCount >= 2 && arena.mappedChunkCount <= 4)
            #expect(arena.liveBytes == blocks.reduce(0) { $0 + $1.count })
            blocks.removeFirst(300)
            #expect(arena.liveBytes == blocks.reduce(0) { $0 + $1.count })
            #expect(arena.mappedChunkCount <= 3)
            blocks = []
            #expect(arena.liveBytes == 0)
            #expect(arena.mappedChunkCount == 1)  // the chunk new blocks go into
        #else
            print("skipped: needs an x86_64 host")
        #endif
    }

    /// The pages are never writable and executable at once: /proc/self/maps
    /// shows the code's mapping as r-x.
    @Test func codePagesAreReadExecuteOnly() throws {
        #if os(Linux)
            let code = try CodeMemory([0xC3])
            let address = UInt(bitPattern: code.base)
            // /proc files report size 0, so read them line by line.
            guard let file = fopen("/proc/self/maps", "r") else {
                Issue.record("cannot open /proc/self/maps")
                return
            }
            defer { fclose(file) }
            var maps = ""
            var buffer = [CChar](repeating: 0, count: 4096)
            while fgets(&buffer, Int32(buffer.count), file) != nil {
                maps += String(
                    decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            let line = maps.split(separator: "\n").first { line in
                let range = line.prefix { $0 != " " }.split(separator: "-")
                guard range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16)
                else { return false }
                return lo <= address && address < hi
            }
            let permissions = line.map { String($0.split(separator: " ")[1]) }
            #expect(permissions == "r-xp")
        #else
            print("skipped: needs /proc (Linux)")
        #endif
    }
}
