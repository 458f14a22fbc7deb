import TestSupport
import Testing

@testable import TBCodegen

@Suite struct TBTextTests {
    static let sample = """
        .pc 0x1000
        # a loop with every operand shape
        movi r1, 10
        movi r2, -1          ; two's complement
        top:
        add r3, r1, r2
        sub_i32 r3, r3, r2
        clz_i32 r4, r3
        ext16s r5, r4
        extract r6, r5, 4, 8
        sextract r6, r5, 0, 64
        setcond ltu r7, r1, r2
        negsetcond_i32 tsteq r7, r1, r2
        movcond ge r8, r1, r2, r3, r4
        ld32s r9, env+8
        ld64 r9, env-16
        st16 r9, env
        qemu_ld8s r10, [r11+16]
        qemu_st64 r10, [r11-8]
        qemu_ld64 r10, [r11]
        call h_mix r0 <- r1, r2
        call h_sink r3
        call h_const r4 <-
        call h_none
        brcond_i32 ne r1, r2, top
        br out
        mb
        out:
        goto_ptr r15
        goto_tb 0x2000
        exit_tb 3
        """

    @Test func parsesEveryOperandShape() throws {
        let tb = try TranslationBlock(parsing: Self.sample)
        #expect(tb.pc == 0x1000)
        #expect(tb.labelCount == 2)
        #expect(tb.ops[1] == .movi(.r2, UInt64.max))
        #expect(tb.ops[2] == .setLabel(TBLabel(id: 0)))
        #expect(tb.ops[4] == .binary(.sub, .w32, .r3, .r3, .r2))
        #expect(tb.ops[7] == .extract(signed: false, .r6, .r5, pos: 4, len: 8))
        #expect(tb.ops[10] == .negsetcond(.tsteq, .w32, .r7, .r1, .r2))
        #expect(tb.ops[13] == .loadEnv(.u64, .r9, offset: -16))
        #expect(tb.ops[15] == .guestLoad(.s8, .r10, .r11, offset: 16))
        #expect(tb.ops[16] == .guestStore(.u64, .r10, .r11, offset: -8))
        // Helpers in first-use order, slow paths included.
        #expect(tb.helpers.map(\.name) == ["qemu_ld", "qemu_st", "h_mix", "h_sink", "h_const", "h_none"])
        #expect(tb.helpers[3] == TBHelperSignature(name: "h_sink", argumentCount: 1, hasResult: false))
        #expect(tb.helpers[4] == TBHelperSignature(name: "h_const", argumentCount: 0, hasResult: true))
        #expect(tb.ops[19] == .call(TBHelperIndex(3), TBCallArguments([.r3])!, result: nil))
        #expect(tb.ops.last == .exitTB(3))
    }

    @Test func printThenParseRoundTrips() throws {
        let tb = try TranslationBlock(parsing: Self.sample)
        let again = try TranslationBlock(parsing: tb.text)
        #expect(again == tb)
        #expect(again.text == tb.text)
    }

    @Test func builderAndParserAgree() throws {
        var b = TBBuilder(pc: 0x40)
        let later = b.newLabel()  // created first, placed second: renumbered by first appearance
        let first = b.newLabel()
        b.setLabel(first)
        b.add(.r1, .r2, .r3)
        b.brcond(.lt, .r1, .r2, later)
        b.brcond(.ne, .r1, .r2, first, width: .w32)
        b.setLabel(later)
        b.callHelper("f", args: [.r1, .r2], result: .r0)
        b.exitTB(0)
        let built = try b.finish()
        let parsed = try TranslationBlock(
            parsing: """
                .pc 0x40
                a:
                add r1, r2, r3
                brcond lt r1, r2, b
                brcond_i32 ne r1, r2, a
                b:
                call f r0 <- r1, r2
                exit_tb 0
                """)
        #expect(built == parsed)
        #expect(built.text.contains("L0:\nadd r1, r2, r3\nbrcond lt r1, r2, L1\n"))
    }

    func error(_ text: String) -> TBParseError? {
        do {
            _ = try TranslationBlock(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    /// Bad texts: where the error is, what its message says, and its reason.
    static let badInputs: [(String, Int, Int, String, TBParseError.Reason)] = [
        ("movi r1, 1\nfoo r1, r2", 2, 1, "unknown op 'foo'", .unknownOp),
        ("add r1, r16, r2", 1, 9, "'r16' is not a register", .invalidRegister),
        ("add r1, r2", 1, 11, "expected ','", .expectedToken),
        ("  add r1, r2,", 1, 14, "expected a register", .expectedToken),
        ("br nowhere\nexit_tb 0", 1, 4, "label 'nowhere' is used but never set", .build(.undefinedLabel)),
        ("x:\nmovi r0, 1\nx:", 3, 1, "label L0 is set twice", .build(.duplicateLabel)),
        (
            "call f r0 <- r1, r2, r3, r4, r5, r6, r7", 1, 38, "more than 6 arguments",
            .build(.tooManyHelperArguments)
        ),
        (
            "call f r1\ncall f r0 <- r1", 2, 6, "called as f/1 -> i64 but earlier as f/1",
            .build(.helperSignatureMismatch)
        ),
        ("call qemu_ld r0 <- r1", 1, 6, "reserved", .build(.invalidHelperName)),
        ("movi r1, 0x1_0000_0000_0000_0000", 1, 10, "not a 64-bit integer", .integerOutOfRange),
        ("movi r1, 18446744073709551616", 1, 10, "not a 64-bit integer", .integerOutOfRange),
        ("ld64 r1, env+0x80000000", 1, 13, "does not fit in Int32", .integerOutOfRange),
        ("qemu_ld32u r1, [r2+4", 1, 21, "expected ']'", .expectedToken),
        ("extract r1, r2, 60, 8", 1, 21, "exceeds 64 bits", .build(.invalidBitRange)),
        ("setcond lx r1, r2, r3", 1, 9, "unknown condition 'lx'", .unknownCondition),
        ("mov r1, r2 r3", 1, 12, "unexpected 'r3'", .trailingOperands),
        ("movi r1, 1 @", 1, 12, "unexpected character '@'", .unexpectedCharacter),
        ("ext8s_i32 r1, r2", 1, 1, "unknown op 'ext8s_i32'", .unknownOp),
        ("movi r1, 1\n.pc 4", 2, 1, "'.pc' must come once", .misplacedPC),
    ]

    @Test(arguments: badInputs)
    func badInputReportsLineAndColumn(
        text: String, line: Int, column: Int, message: String, reason: TBParseError.Reason
    ) {
        guard let e = error(text) else {
            Issue.record("no error for \(text)")
            return
        }
        #expect(e.line == line, "\(e)")
        #expect(e.column == column, "\(e)")
        #expect(e.message.contains(message), "\(e)")
        #expect(e.reason == reason, "\(e)")
        #expect(e.description.hasPrefix("\(line):\(column): "))
    }

    @Test func emptyAndCommentOnlyTextsGiveEmptyTBs() throws {
        #expect(try TranslationBlock(parsing: "").ops.isEmpty)
        #expect(try TranslationBlock(parsing: "# nothing\n\n ; here\n").ops.isEmpty)
    }

    @Test func randomTBsRoundTripThroughText() throws {
        var gen = RandomTBGenerator(seed: 7)
        for _ in 0..<50 {
            let tb = gen.next()
            #expect(try TranslationBlock(parsing: tb.text) == tb)
        }
    }

    @Test func mangledTextNeverCrashes() {
        // Every prefix and every single-character deletion of the sample yields a TB or a positioned error.
        let chars = Array(Self.sample)
        var errors = 0
        for cut in stride(from: 0, to: chars.count, by: 3) {
            var mangled = chars
            mangled.remove(at: cut)
            for text in [String(mangled), String(chars[..<cut])] {
                do {
                    _ = try TranslationBlock(parsing: text)
                } catch {
                    errors += 1
                    #expect(error.line >= 1 && error.column >= 1)
                }
            }
        }
        #expect(errors > 0)
    }
}

@Suite struct TBTextFuzzTests {
    static let vocabulary = [
        "add", "sub_i32", "movi", "mov", "brcond", "br", "set_label", "call", "qemu_ld32s", "qemu_st8",
        "ld64",
        "st16", "extract", "sextract", "movcond_i32", "setcond", "exit_tb", "goto_tb", "goto_ptr", "mb",
        "ext8s",
        "clz_i32", "r0", "r1", "r15", "r16", "env", "lt", "tstne", "never", "L0", "L1", "x", "h", ",", ",",
        ":", "[",
        "]", "+", "-", "<-", "0", "1", "63", "64", "0x10", "-5", "99999999999999999999", "#", "\t", "@", "é",
    ]

    @Test func tokenSoupEitherParsesOrFailsWithAPosition() throws {
        var gen = RandomTBGenerator(seed: 31)
        var parsed = 0
        var failed = 0
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<(1 + gen.below(4)) {
                let words = (0..<gen.below(7)).map { _ in Self.vocabulary[gen.below(Self.vocabulary.count)] }
                text += words.joined(separator: gen.below(2) == 0 ? " " : "") + "\n"
            }
            do {
                let tb = try TranslationBlock(parsing: text)
                parsed += 1
                // Whatever parses round-trips and emits a valid module.
                #expect(try TranslationBlock(parsing: tb.text) == tb)
                try TBEmitter.module(for: tb).validate()
            } catch let e as TBParseError {
                failed += 1
                #expect(e.line >= 1 && e.column >= 1 && !e.message.isEmpty)
            }
        }
        #expect(parsed > 50 && failed > 50)
    }
}
