// The parser of the text form (grammar in the DocC comment of init(parsing:)). It
// tokenises one line at a time, feeds a TBBuilder, and turns every problem -
// lexical, syntactic or a builder error such as an undefined label - into a
// TBParseError at the offending token.

extension TranslationBlock {
    /// Parses the text form of a TB: one op per line.
    ///
    /// Grammar (EBNF; spaces and tabs may separate any two tokens):
    ///
    /// ```
    ///   tb        = { line } ;
    ///   line      = [ item ] [ comment ] "\n" ;
    ///   comment   = ( "#" | ";" ) { any character but "\n" } ;
    ///   item      = ".pc" integer                       (* the TB's guest pc; default 0 *)
    ///             | label ":"                           (* same as set_label *)
    ///             | op ;
    ///   op        = "mov" reg "," reg
    ///             | "movi" reg "," integer
    ///             | binop [ w ] reg "," reg "," reg
    ///             | unop [ w ] reg "," reg
    ///             | extop reg "," reg
    ///             | ( "extract" | "sextract" ) reg "," reg "," integer "," integer   (* pos, len *)
    ///             | ( "setcond" | "negsetcond" ) [ w ] cond reg "," reg "," reg     (* d, a, b *)
    ///             | "movcond" [ w ] cond reg "," reg "," reg "," reg "," reg     (* d, a, b, t, f *)
    ///             | "ld" ldsize reg "," envref
    ///             | "st" stsize reg "," envref
    ///             | "qemu_ld" ldsize reg "," guestref
    ///             | "qemu_st" stsize reg "," guestref
    ///             | "set_label" label | "br" label
    ///             | "brcond" [ w ] cond reg "," reg "," label
    ///             | "call" ident [ reg "<-" ] [ reg { "," reg } ]   (* at most 6 arguments *)
    ///             | "goto_tb" integer | "goto_ptr" reg | "exit_tb" integer | "mb" ;
    ///   binop     = "add" | "sub" | "mul" | "and" | "or" | "xor" | "shl" | "shr" | "sar"
    ///             | "rotl" | "rotr" | "div" | "divu" | "rem" | "remu" ;
    ///   unop      = "not" | "neg" | "clz" | "ctz" | "ctpop" ;
    ///   extop     = "ext8s" | "ext8u" | "ext16s" | "ext16u" | "ext32s" | "ext32u" ;
    ///   w         = "_i32" | "_i64" ;                  (* written without a space; default _i64 *)
    ///   cond      = "eq" | "ne" | "lt" | "ge" | "le" | "gt" | "ltu" | "geu" | "leu" | "gtu"
    ///             | "tsteq" | "tstne" | "always" | "never" ;
    ///   ldsize    = "8u" | "8s" | "16u" | "16s" | "32u" | "32s" | "64" ;   (* no space after ld *)
    ///   stsize    = "8" | "16" | "32" | "64" ;
    ///   envref    = "env" [ ( "+" | "-" ) integer ] ;          (* offset fits Int32 *)
    ///   guestref  = "[" reg [ ( "+" | "-" ) integer ] "]" ;    (* offset fits Int32 *)
    ///   reg       = "r0" | "r1" | ... | "r15" ;
    ///   label     = ident ;
    ///   ident     = ( letter | "_" ) { letter | digit | "_" } ;
    ///   integer   = [ "-" ] ( digit { digit } | "0x" hexdigit { hexdigit } ) ;
    ///               (* 64-bit; a negative value is its two's complement *)
    /// ```
    ///
    /// Example:
    ///
    /// ```
    ///   .pc 0x1000
    ///   movi r1, 10
    ///   L0:
    ///   sub r1, r1, r2        # loop body
    ///   qemu_ld32u r3, [r4+16]
    ///   call putc r0 <- r3
    ///   brcond ne r1, r5, L0
    ///   exit_tb 0
    /// ```
    ///
    /// - Throws: ``TBParseError`` with the line and column (1-based, counted in
    ///   Unicode scalars) of the first problem: unknown op, bad register, missing
    ///   operand, undefined or duplicate label, too many helper arguments, ...
    public init(parsing text: String) throws(TBParseError) {
        var parser = TBParser()
        self = try parser.parse(text)
    }

    /// Parses the text form, checking every `call` against the helpers the
    /// caller provides: a call of a helper not among `helpers`, or with another
    /// argument count or result, is an error at its line.
    ///
    /// - Parameters:
    ///   - text: The text form, as for ``init(parsing:)``.
    ///   - helpers: The helpers that will be registered, with their signatures.
    /// - Throws: ``TBParseError`` as ``init(parsing:)`` does, and for a call that
    ///   does not match `helpers` (naming the known helpers, or the expected
    ///   arguments and result).
    public init(parsing text: String, helpers: [TBHelperSignature]) throws(TBParseError) {
        var parser = TBParser()
        parser.knownHelpers = helpers
        self = try parser.parse(text)
    }
}

struct TBToken {
    enum Kind: Equatable {
        case word(String)  // identifiers, registers, mnemonics, conditions, "env"
        case number(String)  // digits or 0x-hex, unsigned
        case punct(String)  // , : [ ] + - <-
    }
    var kind: Kind
    var column: Int

    var text: String {
        switch kind {
        case .word(let s), .number(let s), .punct(let s): s
        }
    }
}

struct TBParser {
    private var builder = TBBuilder()
    private var labels: [String: TBLabel] = [:]
    private var labelUse: [Int: (Int, Int)] = [:]  // op index -> position of its label operand
    private var opPositions: [(Int, Int)] = []
    private var tokens: [TBToken] = []
    private var pos = 0
    private var lineNumber = 0
    private var lineEndColumn = 1
    private var sawPC = false
    /// The helpers calls must match, when the caller gave them.
    var knownHelpers: [TBHelperSignature]?

    mutating func parse(_ text: String) throws(TBParseError) -> TranslationBlock {
        var lineStart = text.startIndex
        lineNumber = 0
        while lineStart <= text.endIndex {
            lineNumber += 1
            let lineEnd = text[lineStart...].firstIndex(of: "\n") ?? text.endIndex
            try parseLine(Substring(text[lineStart..<lineEnd]))
            if lineEnd == text.endIndex { break }
            lineStart = text.index(after: lineEnd)
        }
        do {
            return try builder.finish()
        } catch {
            let (l, c) =
                labelUse[error.opIndex]
                ?? (error.opIndex < opPositions.count ? opPositions[error.opIndex] : (lineNumber, 1))
            throw TBParseError(.build(error.reason), line: l, column: c, message: userMessage(error))
        }
    }

    /// The builder's message in the user's words: an undefined label by the
    /// name the text gave it (not the builder's `L<n>`), with the closest label
    /// that is set.
    private func userMessage(_ error: TBBuildError) -> String {
        guard error.reason == .undefinedLabel, error.opIndex < builder.ops.count else { return error.message }
        let used: TBLabel
        switch builder.ops[error.opIndex] {
        case .br(let l), .brcond(_, _, _, _, let l): used = l
        default: return error.message
        }
        guard let name = labels.first(where: { $0.value == used })?.key else { return error.message }
        let setNames = builder.ops.compactMap { op -> String? in
            guard case .setLabel(let l) = op else { return nil }
            return labels.first { $0.value == l }?.key
        }
        let hint = Self.didYouMean(name, in: setNames)
        return "label '\(name)' is used but never set\(hint)"
    }

    /// Every op mnemonic the text form accepts (width suffixes left out).
    static let mnemonics: [String] =
        binaryOps.keys.sorted() + unaryOps.keys.sorted() + extendOps.keys.sorted()
        + loads.keys.sorted().flatMap { ["qemu_ld\($0)", "ld\($0)"] }
        + stores.keys.sorted().flatMap { ["qemu_st\($0)", "st\($0)"] }
        + [
            "mov", "movi", "extract", "sextract", "setcond", "negsetcond", "movcond", "set_label", "br",
            "brcond",
            "call", "goto_tb", "goto_ptr", "exit_tb", "mb",
        ]

    /// The unknown-op error, with the closest known op.
    private func unknownOp(_ column: Int, _ mnemonic: String) -> TBParseError {
        let hint = Self.didYouMean(mnemonic, in: Self.mnemonics)
        return fail(.unknownOp, column, "unknown op '\(mnemonic)'\(hint)")
    }

    /// Checks a call against ``knownHelpers``.
    private func checkCall(_ name: String, arguments: Int, hasResult: Bool, at column: Int)
        throws(TBParseError)
    {
        guard let known = knownHelpers else { return }
        func describe(_ s: TBHelperSignature) -> String {
            "\(s.name)(\(s.argumentCount) argument\(s.argumentCount == 1 ? "" : "s"))\(s.hasResult ? " -> value" : "")"
        }
        guard let signature = known.first(where: { $0.name == name }) else {
            let hint = Self.didYouMean(name, in: known.map(\.name))
            throw fail(
                .unregisteredHelper, column,
                "helper '\(name)' is not registered\(hint); the helpers are: "
                    + known.map(describe).joined(separator: ", "))
        }
        guard signature.argumentCount == arguments, signature.hasResult == hasResult else {
            let result = hasResult ? "a result register" : "no result register"
            throw fail(
                .helperCallMismatch, column,
                "call of \(describe(signature)) passes \(arguments) argument\(arguments == 1 ? "" : "s") and "
                    + "\(result)\(signature.hasResult && !hasResult ? " (write: call \(name) rD <- ...)" : "")"
            )
        }
    }

    // MARK: Lexing

    private func fail(_ reason: TBParseError.Reason, _ column: Int, _ message: String) -> TBParseError {
        TBParseError(reason, line: lineNumber, column: column, message: message)
    }

    private mutating func tokenize(_ line: Substring) throws(TBParseError) {
        tokens.removeAll(keepingCapacity: true)
        pos = 0
        let chars = Array(line.unicodeScalars)
        var i = 0
        func isWordChar(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c == "." || (c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)))
        }
        while i < chars.count {
            let c = chars[i]
            let col = i + 1
            if c == " " || c == "\t" || c == "\r" {
                i += 1
            } else if c == "#" || c == ";" {
                break
            } else if ("0"..."9").contains(c) {
                var j = i
                while j < chars.count, isWordChar(chars[j]) { j += 1 }
                tokens.append(
                    TBToken(kind: .number(String(String.UnicodeScalarView(chars[i..<j]))), column: col))
                i = j
            } else if isWordChar(c) {
                var j = i
                while j < chars.count, isWordChar(chars[j]) { j += 1 }
                tokens.append(
                    TBToken(kind: .word(String(String.UnicodeScalarView(chars[i..<j]))), column: col))
                i = j
            } else if c == "<", i + 1 < chars.count, chars[i + 1] == "-" {
                tokens.append(TBToken(kind: .punct("<-"), column: col))
                i += 2
            } else if ",:[]+-".unicodeScalars.contains(c) {
                tokens.append(TBToken(kind: .punct(String(c)), column: col))
                i += 1
            } else {
                throw fail(.unexpectedCharacter, col, "unexpected character '\(c.escaped(asASCII: true))'")
            }
        }
        lineEndColumn = chars.count + 1
    }

    // MARK: Token helpers

    private var atEnd: Bool { pos >= tokens.count }
    private var column: Int { atEnd ? lineEndColumn : tokens[pos].column }
    private var found: String { atEnd ? "end of line" : "'\(tokens[pos].text)'" }

    private mutating func expect(_ p: String) throws(TBParseError) {
        guard !atEnd, tokens[pos].kind == .punct(p) else {
            throw fail(.expectedToken, column, "expected '\(p)', found \(found)")
        }
        pos += 1
    }

    private mutating func accept(_ p: String) -> Bool {
        if !atEnd, tokens[pos].kind == .punct(p) {
            pos += 1
            return true
        }
        return false
    }

    private mutating func word(_ what: String) throws(TBParseError) -> (String, Int) {
        guard !atEnd, case .word(let w) = tokens[pos].kind else {
            throw fail(.expectedToken, column, "expected \(what), found \(found)")
        }
        pos += 1
        return (w, tokens[pos - 1].column)
    }

    private mutating func reg() throws(TBParseError) -> TBReg {
        let col = column
        let (w, _) = try word("a register r0...r15")
        guard w.first == "r", let n = UInt8(w.dropFirst()), w.count <= 3, let r = TBReg(rawValue: n) else {
            throw fail(.invalidRegister, col, "'\(w)' is not a register (r0...r15)")
        }
        return r
    }

    private mutating func comma() throws(TBParseError) { try expect(",") }

    /// An integer with optional minus sign; negative values become two's complement.
    private mutating func integer() throws(TBParseError) -> UInt64 {
        let col = column
        let negative = accept("-")
        guard !atEnd, case .number(let s) = tokens[pos].kind else {
            throw fail(.expectedToken, column, "expected an integer, found \(found)")
        }
        pos += 1
        let magnitude: UInt64?
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            let digits = s.dropFirst(2)
            magnitude = digits.isEmpty ? nil : UInt64(digits, radix: 16)
        } else {
            magnitude = UInt64(s, radix: 10)
        }
        guard let m = magnitude else { throw fail(.integerOutOfRange, col, "'\(s)' is not a 64-bit integer") }
        if negative {
            guard m <= 1 << 63 else { throw fail(.integerOutOfRange, col, "-\(s) does not fit in 64 bits") }
            return 0 &- m
        }
        return m
    }

    private mutating func smallInteger(_ range: ClosedRange<Int>, _ what: String) throws(TBParseError) -> Int
    {
        let col = column
        let v = try integer()
        guard v <= UInt64(Int.max), range.contains(Int(v)) else {
            throw fail(.integerOutOfRange, col, "\(what) must be in \(range)")
        }
        return Int(v)
    }

    private mutating func offset() throws(TBParseError) -> Int32 {
        let signCol = column
        if accept("+") {
            let v = try integer()
            guard v <= UInt64(Int32.max) else {
                throw fail(.integerOutOfRange, signCol, "offset does not fit in Int32")
            }
            return Int32(v)
        }
        if accept("-") {
            let v = try integer()
            guard v <= UInt64(Int32.max) + 1 else {
                throw fail(.integerOutOfRange, signCol, "offset does not fit in Int32")
            }
            return Int32(truncatingIfNeeded: 0 &- Int64(v))
        }
        return 0
    }

    private mutating func envRef() throws(TBParseError) -> Int32 {
        let col = column
        let (w, _) = try word("'env'")
        guard w == "env" else { throw fail(.expectedToken, col, "expected 'env', found '\(w)'") }
        return try offset()
    }

    private mutating func guestRef() throws(TBParseError) -> (TBReg, Int32) {
        try expect("[")
        let r = try reg()
        let off = try offset()
        try expect("]")
        return (r, off)
    }

    private mutating func cond() throws(TBParseError) -> TBCond {
        let col = column
        let (w, _) = try word("a condition")
        guard let c = TBCond(name: w) else { throw fail(.unknownCondition, col, "unknown condition '\(w)'") }
        return c
    }

    private mutating func label() throws(TBParseError) -> TBLabel {
        let col = column
        let (w, _) = try word("a label")
        guard TBBuilder.isIdentifier(w) else {
            throw fail(.invalidLabelName, col, "'\(w)' is not a valid label name")
        }
        labelUse[builder.ops.count] = (lineNumber, col)
        return labelNamed(w)
    }

    private mutating func labelNamed(_ name: String) -> TBLabel {
        if let l = labels[name] { return l }
        let l = builder.newLabel()
        labels[name] = l
        return l
    }

    // MARK: Lines

    private mutating func parseLine(_ line: Substring) throws(TBParseError) {
        try tokenize(line)
        guard !atEnd else { return }
        let (first, col) = try word("an op or a label")
        if !atEnd, tokens[pos].kind == .punct(":") {
            guard TBBuilder.isIdentifier(first) else {
                throw fail(.invalidLabelName, col, "'\(first)' is not a valid label name")
            }
            pos += 1
            opPositions.append((lineNumber, col))
            labelUse[builder.ops.count] = (lineNumber, col)
            builder.setLabel(labelNamed(first))
        } else if first == ".pc" {
            guard !sawPC, builder.ops.isEmpty else {
                throw fail(.misplacedPC, col, "'.pc' must come once, before any op")
            }
            sawPC = true
            builder.pc = try integer()
        } else {
            opPositions.append((lineNumber, col))
            try parseOp(first, col)
        }
        guard atEnd else { throw fail(.trailingOperands, column, "unexpected \(found) after the operands") }
        if let e = builder.pendingError {
            let (l, c) = labelUse[e.opIndex] ?? (lineNumber, col)
            throw TBParseError(.build(e.reason), line: l, column: c, message: e.message)
        }
        // Keep opPositions aligned with the builder's ops.
        while opPositions.count > builder.ops.count { opPositions.removeLast() }
    }

    private static let binaryOps = Dictionary(
        uniqueKeysWithValues: TBBinaryOp.allCases.map { ($0.description, $0) })
    private static let unaryOps = Dictionary(
        uniqueKeysWithValues: TBUnaryOp.allCases.map { ($0.description, $0) })
    private static let extendOps = Dictionary(
        uniqueKeysWithValues: TBExtendOp.allCases.map { ($0.description, $0) })
    private static let loads = Dictionary(
        uniqueKeysWithValues: TBMemAccess.allCases.map { ($0.loadSuffix, $0) })
    private static let stores: [String: TBMemAccess] = ["8": .u8, "16": .u16, "32": .u32, "64": .u64]

    private mutating func parseOp(_ mnemonic: String, _ col: Int) throws(TBParseError) {
        var base = mnemonic
        var width = TBWidth.w64
        if base.hasSuffix("_i32") {
            base.removeLast(4)
            width = .w32
        } else if base.hasSuffix("_i64") {
            base.removeLast(4)
        }
        if let op = Self.binaryOps[base] {
            let d = try reg()
            try comma()
            let a = try reg()
            try comma()
            let b = try reg()
            builder.binary(op, d, a, b, width: width)
            return
        }
        if let op = Self.unaryOps[base] {
            let d = try reg()
            try comma()
            let s = try reg()
            builder.unary(op, d, s, width: width)
            return
        }
        // Only the comparison families take a width suffix besides the arithmetic ones above.
        if base != mnemonic, !["setcond", "negsetcond", "movcond", "brcond"].contains(base) {
            throw unknownOp(col, mnemonic)
        }
        if let op = Self.extendOps[base] {
            let d = try reg()
            try comma()
            let s = try reg()
            builder.extend(op, d, s)
            return
        }
        if base.hasPrefix("qemu_ld"), let acc = Self.loads[String(base.dropFirst(7))] {
            let d = try reg()
            try comma()
            let (a, off) = try guestRef()
            builder.guestLoad(acc, d, address: a, offset: off)
            return
        }
        if base.hasPrefix("qemu_st"), let acc = Self.stores[String(base.dropFirst(7))] {
            let s = try reg()
            try comma()
            let (a, off) = try guestRef()
            builder.guestStore(acc, s, address: a, offset: off)
            return
        }
        if base.hasPrefix("ld"), let acc = Self.loads[String(base.dropFirst(2))] {
            let d = try reg()
            try comma()
            builder.loadEnv(acc, d, offset: try envRef())
            return
        }
        if base.hasPrefix("st"), let acc = Self.stores[String(base.dropFirst(2))] {
            let s = try reg()
            try comma()
            builder.storeEnv(acc, s, offset: try envRef())
            return
        }
        switch base {
        case "mov":
            let d = try reg()
            try comma()
            builder.mov(d, try reg())
        case "movi":
            let d = try reg()
            try comma()
            builder.movi(d, try integer())
        case "extract", "sextract":
            let d = try reg()
            try comma()
            let s = try reg()
            try comma()
            let p = try smallInteger(0...63, "the bit position")
            try comma()
            let lenCol = column
            let l = try smallInteger(1...64, "the bit length")
            guard p + l <= 64 else {
                throw fail(.build(.invalidBitRange), lenCol, "bit range \(p)+\(l) exceeds 64 bits")
            }
            if base == "extract" {
                builder.extract(d, s, position: p, length: l)
            } else {
                builder.sextract(d, s, position: p, length: l)
            }
        case "setcond", "negsetcond":
            let c = try cond()
            let d = try reg()
            try comma()
            let a = try reg()
            try comma()
            let b = try reg()
            if base == "setcond" {
                builder.setcond(c, d, a, b, width: width)
            } else {
                builder.negsetcond(c, d, a, b, width: width)
            }
        case "movcond":
            let c = try cond()
            let d = try reg()
            try comma()
            let a = try reg()
            try comma()
            let b = try reg()
            try comma()
            let t = try reg()
            try comma()
            let f = try reg()
            builder.movcond(c, d, a, b, ifTrue: t, ifFalse: f, width: width)
        case "set_label":
            let l = try label()
            builder.setLabel(l)
        case "br":
            builder.br(try label())
        case "brcond":
            let c = try cond()
            let a = try reg()
            try comma()
            let b = try reg()
            try comma()
            builder.brcond(c, a, b, try label(), width: width)
        case "call":
            let nameCol = column
            let (name, _) = try word("a helper name")
            var result: TBReg?
            var args: [TBReg] = []
            if !atEnd {
                let r = try reg()
                if accept("<-") {
                    result = r
                    if !atEnd { args.append(try reg()) }
                } else {
                    args.append(r)
                }
                while accept(",") {
                    let argCol = column
                    args.append(try reg())
                    if args.count > TBCallArguments.maxCount {
                        throw fail(
                            .build(.tooManyHelperArguments), argCol,
                            "helper '\(name)' called with more than 6 arguments")
                    }
                }
            }
            try checkCall(name, arguments: args.count, hasResult: result != nil, at: nameCol)
            builder.callHelper(name, args: args, result: result)
            if let e = builder.pendingError { throw fail(.build(e.reason), nameCol, e.message) }
        case "goto_tb": builder.gotoTB(try integer())
        case "goto_ptr": builder.gotoPtr(try reg())
        case "exit_tb": builder.exitTB(try integer())
        case "mb": builder.mb()
        default: throw unknownOp(col, mnemonic)
        }
    }
}
