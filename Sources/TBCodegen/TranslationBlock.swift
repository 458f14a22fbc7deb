/// The signature of a helper a TB calls: its name, argument count and
/// whether it returns a value. Helper arguments and results are 64-bit.
public struct TBHelperSignature: Sendable, Hashable, CustomStringConvertible {
    /// The helper's name (an identifier).
    public var name: String
    /// How many register arguments it takes, 0...6 (the slow paths take up to 4).
    public var argumentCount: Int
    /// Whether it returns a value.
    public var hasResult: Bool

    /// Creates a helper signature.
    public init(name: String, argumentCount: Int, hasResult: Bool) {
        self.name = name
        self.argumentCount = argumentCount
        self.hasResult = hasResult
    }

    /// The guest-load slow path: `qemu_ld(ctx, address, memop) -> value`.
    ///
    /// It is called when the inline software-TLB lookup misses (or the
    /// access is unaligned); it must perform the access and may refill the
    /// TLB entry. See ``TBContextLayout``.
    public static let guestLoadSlowPath = TBHelperSignature(
        name: "qemu_ld", argumentCount: 3, hasResult: true)
    /// The guest-store slow path: `qemu_st(ctx, address, value, memop)`.
    public static let guestStoreSlowPath = TBHelperSignature(
        name: "qemu_st", argumentCount: 4, hasResult: false)

    /// `name(argc) -> result` style summary.
    public var description: String { "\(name)/\(argumentCount)\(hasResult ? " -> i64" : "")" }
}

/// One translation block: a validated op list, the helpers it calls and its
/// guest pc.
///
/// Build one with ``TBBuilder`` or parse one from text with
/// ``TranslationBlock/init(parsing:)``. Every label used is defined exactly
/// once, labels are numbered by first appearance, and ``helpers`` lists the
/// helpers in order of first use (including the guest-memory slow paths
/// `qemu_ld`/`qemu_st` at the first guest load/store), which is the order of
/// the `helper.N` imports of the emitted module.
public struct TranslationBlock: Sendable, Hashable {
    /// The guest pc this TB translates; `goto_tb` to it loops inside the TB.
    public internal(set) var pc: UInt64
    /// The ops, in order.
    public internal(set) var ops: [TBOp]
    /// The helpers called, in order of first use.
    public internal(set) var helpers: [TBHelperSignature]
    /// The number of distinct labels (`L0` ... `L<labelCount-1>`).
    public internal(set) var labelCount: Int

    init(pc: UInt64, ops: [TBOp], helpers: [TBHelperSignature], labelCount: Int) {
        self.pc = pc
        self.ops = ops
        self.helpers = helpers
        self.labelCount = labelCount
    }

    /// For each label id, the index of its `set_label` op.
    public var labelPositions: [Int] {
        var positions = [Int](repeating: 0, count: labelCount)
        for (i, op) in ops.enumerated() {
            if case .setLabel(let l) = op { positions[Int(l.id)] = i }
        }
        return positions
    }
}
