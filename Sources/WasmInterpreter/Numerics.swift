// Numeric semantics that are more than one Swift operator: trapping division
// and conversions, saturating conversions, and the float operations whose Wasm
// rules (NaN results, signed zeros) differ from Swift's library functions.

enum Numerics {
    @inline(__always)
    static func divS<T: FixedWidthInteger & UnsignedInteger>(_ x: T, _ y: T) throws(Trap) -> T {
        if y == 0 { throw Trap.make(.integerDivideByZero) }
        let minValue = T(1) << (T.bitWidth - 1)
        if x == minValue && y == T.max { throw Trap.make(.integerOverflow) }
        let negX = x & minValue != 0
        let negY = y & minValue != 0
        let ax = negX ? 0 &- x : x
        let ay = negY ? 0 &- y : y
        let q = ax / ay
        return negX != negY ? 0 &- q : q
    }

    @inline(__always)
    static func divU<T: FixedWidthInteger & UnsignedInteger>(_ x: T, _ y: T) throws(Trap) -> T {
        if y == 0 { throw Trap.make(.integerDivideByZero) }
        return x / y
    }

    @inline(__always)
    static func remS<T: FixedWidthInteger & UnsignedInteger>(_ x: T, _ y: T) throws(Trap) -> T {
        if y == 0 { throw Trap.make(.integerDivideByZero) }
        let minValue = T(1) << (T.bitWidth - 1)
        let negX = x & minValue != 0
        let negY = y & minValue != 0
        let ax = negX ? 0 &- x : x
        let ay = negY ? 0 &- y : y
        let r = ax % ay
        // The remainder takes the dividend's sign; INT_MIN % -1 is 0, not a trap.
        return negX ? 0 &- r : r
    }

    @inline(__always)
    static func remU<T: FixedWidthInteger & UnsignedInteger>(_ x: T, _ y: T) throws(Trap) -> T {
        if y == 0 { throw Trap.make(.integerDivideByZero) }
        return x % y
    }

    /// Rounding that turns a signalling NaN into a quiet one (libm may not).
    @inline(__always)
    static func round<F: BinaryFloatingPoint>(_ x: F, _ rule: FloatingPointRoundingRule) -> F {
        if x.isNaN { return x + x }
        return x.rounded(rule)
    }

    /// Wasm `min`: NaN if either operand is NaN, and -0 below +0.
    @inline(__always)
    static func min<F: BinaryFloatingPoint>(_ x: F, _ y: F) -> F {
        if x.isNaN || y.isNaN { return x + y }
        if x == y { return x.sign == .minus ? x : y }
        return x < y ? x : y
    }

    /// Wasm `max`: NaN if either operand is NaN, and +0 above -0.
    @inline(__always)
    static func max<F: BinaryFloatingPoint>(_ x: F, _ y: F) -> F {
        if x.isNaN || y.isNaN { return x + y }
        if x == y { return x.sign == .minus ? y : x }
        return x > y ? x : y
    }

    /// Trapping float-to-int truncation (`i32.trunc_f64_s` and friends).
    @inline(__always)
    static func truncate<F: BinaryFloatingPoint, I: FixedWidthInteger>(_ x: F, to: I.Type) throws(Trap) -> I {
        if x.isNaN { throw Trap.make(.invalidConversionToInteger) }
        let t = x.rounded(.towardZero)
        // 2^(bits) or 2^(bits-1) is exactly representable in every float type,
        // so these comparisons are exact.
        let upper = F(
            sign: .plus, exponent: F.Exponent(I.isSigned ? I.bitWidth - 1 : I.bitWidth), significand: 1)
        let lower: F = I.isSigned ? -upper : 0
        if t >= upper || t < lower { throw Trap.make(.integerOverflow) }
        return I(t)
    }

    /// Saturating float-to-int truncation (`i32.trunc_sat_f64_s` and friends).
    @inline(__always)
    static func truncateSaturating<F: BinaryFloatingPoint, I: FixedWidthInteger>(_ x: F, to: I.Type) -> I {
        if x.isNaN { return 0 }
        let t = x.rounded(.towardZero)
        let upper = F(
            sign: .plus, exponent: F.Exponent(I.isSigned ? I.bitWidth - 1 : I.bitWidth), significand: 1)
        let lower: F = I.isSigned ? -upper : 0
        if t >= upper { return I.max }
        if t < lower { return I.min }
        return I(t)
    }
}
