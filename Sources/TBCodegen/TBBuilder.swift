/// Builds a ``TranslationBlock`` op by op, the way a TCG frontend emits ops.
///
/// ```swift
/// var b = TBBuilder(pc: 0x1000)
/// b.add(.r1, .r2, .r3)
/// let l = b.newLabel()
/// b.brcond(.lt, .r1, .r2, l)
/// b.setLabel(l)
/// b.callHelper("putc", args: [.r1], result: .r0)
/// b.exitTB(0)
/// let tb = try b.finish()
/// ```
///
/// Appending never fails; the first problem (an undefined or duplicate
/// label, a helper called with two signatures, ...) is remembered and thrown
/// by ``finish()``.
public struct TBBuilder: Sendable {
    /// The guest pc of the TB being built.
    public var pc: UInt64
    /// The ops appended so far (labels not yet renumbered).
    public private(set) var ops: [TBOp] = []
    private var helpers: [TBHelperSignature] = []
    private var helperIndex: [String: Int] = [:]
    private var labelsCreated: UInt32 = 0
    private var labelSetAt: [UInt32: Int] = [:]
    private var firstError: TBBuildError?
    /// The first problem met so far (thrown by `finish()`); the parser checks it after each op.
    var pendingError: TBBuildError? { firstError }

    /// Creates an empty builder for the TB at guest pc `pc`.
    public init(pc: UInt64 = 0) { self.pc = pc }

    private mutating func fail(_ reason: TBBuildError.Reason, _ message: String) {
        if firstError == nil { firstError = TBBuildError(reason, opIndex: ops.count, message) }
    }

    private mutating func checkLabel(_ l: TBLabel) {
        if l.id >= labelsCreated { fail(.unknownLabel, "label \(l) was not created by this builder") }
    }

    // MARK: Moves and arithmetic

    /// `d = s`.
    public mutating func mov(_ d: TBReg, _ s: TBReg) { ops.append(.mov(d, s)) }
    /// `d = value`.
    public mutating func movi(_ d: TBReg, _ value: UInt64) { ops.append(.movi(d, value)) }
    /// `d = a op b`.
    public mutating func binary(_ op: TBBinaryOp, _ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        ops.append(.binary(op, width, d, a, b))
    }
    /// `d = op s`.
    public mutating func unary(_ op: TBUnaryOp, _ d: TBReg, _ s: TBReg, width: TBWidth = .w64) {
        ops.append(.unary(op, width, d, s))
    }
    /// `d = a + b`.
    public mutating func add(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.add, d, a, b, width: width)
    }
    /// `d = a - b`.
    public mutating func sub(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.sub, d, a, b, width: width)
    }
    /// `d = a * b`.
    public mutating func mul(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.mul, d, a, b, width: width)
    }
    /// `d = a & b`.
    public mutating func and(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.and, d, a, b, width: width)
    }
    /// `d = a | b`.
    public mutating func or(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.or, d, a, b, width: width)
    }
    /// `d = a ^ b`.
    public mutating func xor(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.xor, d, a, b, width: width)
    }
    /// `d = a << (b mod width)`.
    public mutating func shl(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.shl, d, a, b, width: width)
    }
    /// `d = a >> (b mod width)`, logical.
    public mutating func shr(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.shr, d, a, b, width: width)
    }
    /// `d = a >> (b mod width)`, arithmetic.
    public mutating func sar(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.sar, d, a, b, width: width)
    }
    /// `d = a` rotated left by `b mod width`.
    public mutating func rotl(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.rotl, d, a, b, width: width)
    }
    /// `d = a` rotated right by `b mod width`.
    public mutating func rotr(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.rotr, d, a, b, width: width)
    }
    /// Signed `d = a / b` (RISC-V rules for zero and overflow).
    public mutating func div(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.div, d, a, b, width: width)
    }
    /// Unsigned `d = a / b` (all ones when `b == 0`).
    public mutating func divu(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.divu, d, a, b, width: width)
    }
    /// Signed `d = a % b` (`a` when `b == 0`).
    public mutating func rem(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.rem, d, a, b, width: width)
    }
    /// Unsigned `d = a % b` (`a` when `b == 0`).
    public mutating func remu(_ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        binary(.remu, d, a, b, width: width)
    }
    /// `d = ~s`.
    public mutating func not(_ d: TBReg, _ s: TBReg, width: TBWidth = .w64) {
        unary(.not, d, s, width: width)
    }
    /// `d = -s`.
    public mutating func neg(_ d: TBReg, _ s: TBReg, width: TBWidth = .w64) {
        unary(.neg, d, s, width: width)
    }
    /// `d = count of leading zeros of s` (the width for 0).
    public mutating func clz(_ d: TBReg, _ s: TBReg, width: TBWidth = .w64) {
        unary(.clz, d, s, width: width)
    }
    /// `d = count of trailing zeros of s` (the width for 0).
    public mutating func ctz(_ d: TBReg, _ s: TBReg, width: TBWidth = .w64) {
        unary(.ctz, d, s, width: width)
    }
    /// `d = number of set bits of s`.
    public mutating func ctpop(_ d: TBReg, _ s: TBReg, width: TBWidth = .w64) {
        unary(.ctpop, d, s, width: width)
    }
    /// `d = extend(low bits of s)`.
    public mutating func extend(_ op: TBExtendOp, _ d: TBReg, _ s: TBReg) { ops.append(.extend(op, d, s)) }

    /// `d = bits [pos, pos + len) of s`, zero-extended.
    public mutating func extract(_ d: TBReg, _ s: TBReg, position: Int, length: Int) {
        appendExtract(signed: false, d, s, position: position, length: length)
    }
    /// `d = bits [pos, pos + len) of s`, sign-extended.
    public mutating func sextract(_ d: TBReg, _ s: TBReg, position: Int, length: Int) {
        appendExtract(signed: true, d, s, position: position, length: length)
    }
    private mutating func appendExtract(signed: Bool, _ d: TBReg, _ s: TBReg, position: Int, length: Int) {
        guard position >= 0, length >= 1, position + length <= 64 else {
            fail(.invalidBitRange, "bit range position \(position), length \(length) is outside 0...63")
            ops.append(.extract(signed: signed, d, s, pos: 0, len: 64))
            return
        }
        ops.append(.extract(signed: signed, d, s, pos: UInt8(position), len: UInt8(length)))
    }

    // MARK: Conditions

    /// `d = cond(a, b) ? 1 : 0`.
    public mutating func setcond(_ c: TBCond, _ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        ops.append(.setcond(c, width, d, a, b))
    }
    /// `d = cond(a, b) ? -1 : 0`.
    public mutating func negsetcond(_ c: TBCond, _ d: TBReg, _ a: TBReg, _ b: TBReg, width: TBWidth = .w64) {
        ops.append(.negsetcond(c, width, d, a, b))
    }
    /// `d = cond(a, b) ? ifTrue : ifFalse`.
    public mutating func movcond(
        _ c: TBCond, _ d: TBReg, _ a: TBReg, _ b: TBReg, ifTrue: TBReg, ifFalse: TBReg, width: TBWidth = .w64
    ) {
        ops.append(.movcond(c, width, d, a, b, ifTrue, ifFalse))
    }

    // MARK: Memory

    /// `d = load(env + offset)` from the CPU state.
    public mutating func loadEnv(_ access: TBMemAccess, _ d: TBReg, offset: Int32) {
        ops.append(.loadEnv(access, d, offset: offset))
    }
    /// `store(env + offset) = s` into the CPU state (low `access.byteCount` bytes).
    public mutating func storeEnv(_ access: TBMemAccess, _ s: TBReg, offset: Int32) {
        ops.append(.storeEnv(access.forStore, s, offset: offset))
    }
    /// `d = guest load(address + offset)` through the software TLB.
    public mutating func guestLoad(_ access: TBMemAccess, _ d: TBReg, address: TBReg, offset: Int32 = 0) {
        registerHelper(TBHelperSignature.guestLoadSlowPath)
        ops.append(.guestLoad(access, d, address, offset: offset))
    }
    /// `guest store(address + offset) = s` through the software TLB.
    public mutating func guestStore(_ access: TBMemAccess, _ s: TBReg, address: TBReg, offset: Int32 = 0) {
        registerHelper(TBHelperSignature.guestStoreSlowPath)
        ops.append(.guestStore(access.forStore, s, address, offset: offset))
    }

    // MARK: Control flow

    /// Creates a new label, to be placed with ``setLabel(_:)``.
    public mutating func newLabel() -> TBLabel {
        defer { labelsCreated += 1 }
        return TBLabel(id: labelsCreated)
    }
    /// Places a label at the current position.
    public mutating func setLabel(_ l: TBLabel) {
        checkLabel(l)
        if labelSetAt[l.id] != nil {
            fail(.duplicateLabel, "label \(l) is set twice")
        } else {
            labelSetAt[l.id] = ops.count
        }
        ops.append(.setLabel(l))
    }
    /// Jumps to a label.
    public mutating func br(_ l: TBLabel) {
        checkLabel(l)
        ops.append(.br(l))
    }
    /// Jumps to a label if `cond(a, b)`.
    public mutating func brcond(_ c: TBCond, _ a: TBReg, _ b: TBReg, _ l: TBLabel, width: TBWidth = .w64) {
        checkLabel(l)
        ops.append(.brcond(c, width, a, b, l))
    }

    /// Calls a helper by name with up to six register arguments.
    ///
    /// - Parameters:
    ///   - name: the helper's name; an identifier other than `qemu_ld`/`qemu_st`.
    ///   - args: the argument registers, passed as i64.
    ///   - result: the register receiving the helper's result, or `nil` for a helper without one.
    public mutating func callHelper(_ name: String, args: [TBReg], result: TBReg? = nil) {
        guard TBBuilder.isIdentifier(name) else {
            fail(.invalidHelperName, "helper name '\(name)' is not an identifier")
            return
        }
        guard name != TBHelperSignature.guestLoadSlowPath.name,
            name != TBHelperSignature.guestStoreSlowPath.name
        else {
            fail(.invalidHelperName, "helper name '\(name)' is reserved for the guest-memory slow path")
            return
        }
        guard let packed = TBCallArguments(args) else {
            fail(.tooManyHelperArguments, "helper '\(name)' called with \(args.count) arguments (at most 6)")
            return
        }
        let sig = TBHelperSignature(name: name, argumentCount: args.count, hasResult: result != nil)
        guard let index = registerHelper(sig) else { return }
        ops.append(.call(TBHelperIndex(UInt16(index)), packed, result: result))
    }

    @discardableResult
    private mutating func registerHelper(_ sig: TBHelperSignature) -> Int? {
        if let i = helperIndex[sig.name] {
            if helpers[i] != sig {
                fail(
                    .helperSignatureMismatch,
                    "helper '\(sig.name)' called as \(sig) but earlier as \(helpers[i])")
                return nil
            }
            return i
        }
        guard helpers.count <= Int(UInt16.max) else {
            fail(.tooManyHelpers, "more than 65536 distinct helpers")
            return nil
        }
        helperIndex[sig.name] = helpers.count
        helpers.append(sig)
        return helpers.count - 1
    }

    /// Continues at the TB for guest pc `target` (the same TB loops).
    public mutating func gotoTB(_ target: UInt64) { ops.append(.gotoTB(target)) }
    /// Continues at the TB for the guest pc held in `r`.
    public mutating func gotoPtr(_ r: TBReg) { ops.append(.gotoPtr(r)) }
    /// Leaves the TB, returning `value` to the host loop.
    public mutating func exitTB(_ value: UInt64) { ops.append(.exitTB(value)) }
    /// A memory barrier.
    public mutating func mb() { ops.append(.mb) }

    /// Validates the ops and returns the finished TB.
    ///
    /// Labels are renumbered by first appearance. A TB that runs off its last
    /// op behaves as `exit_tb 0`.
    /// - Throws: the first ``TBBuildError`` met while building, or an undefined label.
    public func finish() throws(TBBuildError) -> TranslationBlock {
        if let firstError { throw firstError }
        var renumber: [UInt32: UInt32] = [:]
        func map(_ l: TBLabel) -> TBLabel {
            if let n = renumber[l.id] { return TBLabel(id: n) }
            let n = UInt32(renumber.count)
            renumber[l.id] = n
            return TBLabel(id: n)
        }
        var out: [TBOp] = []
        out.reserveCapacity(ops.count)
        for (i, op) in ops.enumerated() {
            switch op {
            case .setLabel(let l): out.append(.setLabel(map(l)))
            case .br(let l):
                guard labelSetAt[l.id] != nil else {
                    throw TBBuildError(.undefinedLabel, opIndex: i, "label \(l) is used but never set")
                }
                out.append(.br(map(l)))
            case .brcond(let c, let w, let a, let b, let l):
                guard labelSetAt[l.id] != nil else {
                    throw TBBuildError(.undefinedLabel, opIndex: i, "label \(l) is used but never set")
                }
                out.append(.brcond(c, w, a, b, map(l)))
            default: out.append(op)
            }
        }
        return TranslationBlock(pc: pc, ops: out, helpers: helpers, labelCount: renumber.count)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || isDigit($0) }
    }
    static func isLetter(_ c: UInt8) -> Bool {
        (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
    }
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
