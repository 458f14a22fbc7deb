// The text form's errors in the user's words: label names as written, the
// closest op for a misspelt one, and calls checked against the helpers a
// runner provides.

import TBCodegen
import Testing

@Suite struct TBTextErrorTests {
    static let helpers = [
        TBHelperSignature(name: "h_mix", argumentCount: 2, hasResult: true),
        TBHelperSignature(name: "h_sink", argumentCount: 1, hasResult: false),
    ]

    static func error(_ text: String, helpers: [TBHelperSignature]? = nil) -> TBParseError? {
        do {
            if let helpers {
                _ = try TranslationBlock(parsing: text, helpers: helpers)
            } else {
                _ = try TranslationBlock(parsing: text)
            }
            return nil
        } catch {
            return error
        }
    }

    @Test func anUndefinedLabelKeepsItsName() throws {
        let text = ".pc 0x1000\nloop:\n  movi r1, 1\n  brcond ne r1, r0, lopo\n  exit_tb 0\n"
        let error = try #require(Self.error(text))
        #expect(error.line == 4)
        #expect(error.reason == .build(.undefinedLabel))
        #expect(error.message == "label 'lopo' is used but never set (did you mean 'loop'?)")
    }

    @Test func anUndefinedLabelFarFromAnyOtherHasNoSuggestion() throws {
        let error = try #require(Self.error(".pc 0x1000\n  br nowhere\n  exit_tb 0\n"))
        #expect(error.line == 2)
        #expect(error.message == "label 'nowhere' is used but never set")
    }

    @Test(arguments: [("sbu r1, r1, r2", "sub"), ("movv r1, 3", "mov"), ("exittb 0", "exit_tb")])
    func anUnknownOpSuggestsTheClosest(_ line: String, _ suggestion: String) throws {
        let error = try #require(Self.error(".pc 0x1000\n  \(line)\n  exit_tb 0\n"))
        #expect(error.line == 2)
        #expect(error.reason == .unknownOp)
        #expect(error.message.hasSuffix("(did you mean '\(suggestion)'?)"), "\(error)")
    }

    @Test func aCallWithTooFewArgumentsIsAnErrorAtItsLine() throws {
        let text = ".pc 0x1000\n  movi r1, 1\n  call h_mix r3 <- r1\n  exit_tb 0\n"
        // Without the runner's helpers the call defines h_mix's signature: valid.
        #expect(Self.error(text) == nil)
        let error = try #require(Self.error(text, helpers: Self.helpers))
        #expect(error.line == 3)
        #expect(error.reason == .helperCallMismatch)
        #expect(error.message.contains("h_mix(2 arguments) -> value passes 1 argument"), "\(error)")
    }

    @Test func aCallThatDropsTheResultIsAnError() throws {
        let error = try #require(
            Self.error(".pc 0x1000\n  call h_mix r1, r2\n  exit_tb 0\n", helpers: Self.helpers))
        #expect(error.line == 2)
        #expect(error.reason == .helperCallMismatch)
        #expect(error.message.contains("no result register"), "\(error)")
    }

    @Test func anUnknownHelperListsTheRegisteredOnes() throws {
        let error = try #require(
            Self.error(".pc 0x1000\n  call h_mx r1 <- r1, r2\n  exit_tb 0\n", helpers: Self.helpers))
        #expect(error.line == 2)
        #expect(error.reason == .unregisteredHelper)
        #expect(error.message.contains("helper 'h_mx' is not registered (did you mean 'h_mix'?)"), "\(error)")
        #expect(error.message.contains("h_mix(2 arguments) -> value, h_sink(1 argument)"), "\(error)")
    }

    @Test func matchingCallsParse() {
        let text = ".pc 0x1000\n  call h_mix r3 <- r1, r2\n  call h_sink r3\n  exit_tb 0\n"
        #expect(Self.error(text, helpers: Self.helpers) == nil)
    }
}
