// Text-format literals that must survive a round trip exactly: floats as
// hexadecimal floats or `nan:0x...` with sign and payload, and strings with
// every byte outside printable ASCII escaped as `\hh`.

/// Spelling of text-format literals.
public enum WatLiteral {
    /// An f32 given by its bit pattern, e.g. `0x1.8p+1`, `-0x0p+0`, `inf`, `-nan:0x200000`.
    ///
    /// Reading the result back (e.g. with `wat2wasm`) gives exactly `bits`.
    public static func f32(bits: UInt32) -> String {
        float(
            sign: bits >> 31 != 0, exponent: Int((bits >> 23) & 0xFF), mantissa: UInt64(bits & 0x7F_FFFF),
            exponentBits: 8, mantissaBits: 23)
    }

    /// An f64 given by its bit pattern, e.g. `0x1.921fb54442d18p+1`, `nan:0x8000000000000`.
    ///
    /// Reading the result back gives exactly `bits`.
    public static func f64(bits: UInt64) -> String {
        float(
            sign: bits >> 63 != 0, exponent: Int((bits >> 52) & 0x7FF), mantissa: bits & 0xF_FFFF_FFFF_FFFF,
            exponentBits: 11, mantissaBits: 52)
    }

    private static func float(
        sign: Bool, exponent: Int, mantissa: UInt64, exponentBits: Int, mantissaBits: Int
    )
        -> String
    {
        let prefix = sign ? "-" : ""
        let maxExponent = (1 << exponentBits) - 1
        let bias = (1 << (exponentBits - 1)) - 1
        if exponent == maxExponent {
            return mantissa == 0 ? "\(prefix)inf" : "\(prefix)nan:0x\(String(mantissa, radix: 16))"
        }
        if exponent == 0 && mantissa == 0 { return "\(prefix)0x0p+0" }
        // Left-align the mantissa on a whole number of hex digits.
        let digits = (mantissaBits + 3) / 4
        let aligned = mantissa << UInt64(digits * 4 - mantissaBits)
        var hex = String(aligned, radix: 16)
        hex = String(repeating: "0", count: digits - hex.count) + hex
        while hex.hasSuffix("0") { hex.removeLast() }
        let fraction = hex.isEmpty ? "" : ".\(hex)"
        if exponent == 0 {
            return "\(prefix)0x0\(fraction)p-\(bias - 1)"
        }
        let e = exponent - bias
        return "\(prefix)0x1\(fraction)p\(e < 0 ? "-" : "+")\(abs(e))"
    }

    /// A quoted string holding exactly `bytes`: printable ASCII as is, `"`
    /// and `\` and every other byte as `\hh`.
    public static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let hexDigits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "\\"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0xF)])
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
