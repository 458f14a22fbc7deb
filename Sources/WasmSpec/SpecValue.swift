// Values of the JSON spec scripts (`{"type": T, "value": S}`), kept exactly
// as the script gives them: integers and floats as bit patterns, NaN
// patterns for expected results, and references by host number.

import WasmBinary

/// An argument or expected result in a spec script.
public enum SpecValue: Sendable, Hashable, CustomStringConvertible {
    /// An i32 as its unsigned bit pattern.
    case i32(UInt32)
    /// An i64 as its unsigned bit pattern.
    case i64(UInt64)
    /// An f32 as its IEEE-754 bit pattern.
    case f32(bits: UInt32)
    /// An f64 as its IEEE-754 bit pattern.
    case f64(bits: UInt64)
    /// Expected only: any canonical NaN of the type (f32 or f64), either sign.
    case canonicalNaN(ValueType)
    /// Expected only: any NaN of the type with the quiet bit set.
    case arithmeticNaN(ValueType)
    /// A null reference of the type.
    case null(ReferenceType)
    /// Host reference number N (`ref.extern N`); the same N is the same host value.
    case externReference(UInt64)
    /// Expected only: any non-null reference of the type.
    case anyReference(ReferenceType)

    /// The value's type.
    public var type: ValueType {
        switch self {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        case .f64: .f64
        case .canonicalNaN(let t), .arithmeticNaN(let t): t
        case .null(let t), .anyReference(let t): t.valueType
        case .externReference: .externref
        }
    }

    /// `type:value`, e.g. `i32:42` or `f32:nan:canonical`.
    public var description: String {
        switch self {
        case .i32(let v): "i32:\(v)"
        case .i64(let v): "i64:\(v)"
        case .f32(let bits): "f32:0x\(String(bits, radix: 16))"
        case .f64(let bits): "f64:0x\(String(bits, radix: 16))"
        case .canonicalNaN(let t): "\(t):nan:canonical"
        case .arithmeticNaN(let t): "\(t):nan:arithmetic"
        case .null(let t): "\(t):null"
        case .externReference(let n): "externref:\(n)"
        case .anyReference(let t): "\(t):non-null"
        }
    }

    /// Parses a script value; `nil` for a type or value this package does not know.
    public init?(type: String, value: String?) {
        switch type {
        case "i32":
            guard let v = value.flatMap({ UInt32($0) }) else { return nil }
            self = .i32(v)
        case "i64":
            guard let v = value.flatMap({ UInt64($0) }) else { return nil }
            self = .i64(v)
        case "f32":
            switch value {
            case "nan:canonical": self = .canonicalNaN(.f32)
            case "nan:arithmetic": self = .arithmeticNaN(.f32)
            default:
                guard let v = value.flatMap({ UInt32($0) }) else { return nil }
                self = .f32(bits: v)
            }
        case "f64":
            switch value {
            case "nan:canonical": self = .canonicalNaN(.f64)
            case "nan:arithmetic": self = .arithmeticNaN(.f64)
            default:
                guard let v = value.flatMap({ UInt64($0) }) else { return nil }
                self = .f64(bits: v)
            }
        case "externref", "funcref":
            let t: ReferenceType = type == "funcref" ? .funcref : .externref
            guard let value else {
                self = .anyReference(t)
                return
            }
            if value == "null" {
                self = .null(t)
            } else if t == .externref, let n = UInt64(value) {
                self = .externReference(n)
            } else {
                return nil
            }
        default:
            return nil
        }
    }
}
