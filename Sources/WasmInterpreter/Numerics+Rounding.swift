// The float rounding instructions share one opcode, ``Op/floatRound`` (the
// opcode must fit in one byte); its subcode picks the type and the rule.

extension Numerics {
    /// `ceil`, `floor`, `trunc` or `nearest` (codes 0...3 for f32, 4...7
    /// for f64, as ``Op/roundingCode(_:)`` assigns them) of the value in `bits`.
    @inline(never)
    static func round(_ bits: UInt64, code: UInt16) -> UInt64 {
        let rule: FloatingPointRoundingRule
        switch code & 3 {
        case 0: rule = .up
        case 1: rule = .down
        case 2: rule = .towardZero
        default: rule = .toNearestOrEven
        }
        if code < 4 {
            return UInt64(round(Float(bitPattern: UInt32(truncatingIfNeeded: bits)), rule).bitPattern)
        }
        return round(Double(bitPattern: bits), rule).bitPattern
    }
}
