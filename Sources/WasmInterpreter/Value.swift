import WasmBinary

/// A Wasm value as seen from Swift.
///
/// Numbers are kept as bit patterns (`f32`/`f64` too), so NaN payloads and the
/// sign of zero survive a round trip; use ``init(_:)-(Float)`` and friends to
/// build them from Swift numbers.
public enum Value: Equatable, CustomStringConvertible {
    /// A 32-bit integer (sign-agnostic bit pattern).
    case i32(UInt32)
    /// A 64-bit integer (sign-agnostic bit pattern).
    case i64(UInt64)
    /// A 32-bit float, as its IEEE-754 bit pattern.
    case f32(UInt32)
    /// A 64-bit float, as its IEEE-754 bit pattern.
    case f64(UInt64)
    /// A function reference, or `nil` for `ref.null func`.
    case funcref(Function?)
    /// A host reference (an opaque number below `UInt64.max`), or `nil` for `ref.null extern`.
    case externref(UInt64?)

    /// A 32-bit float value.
    public init(_ value: Float) { self = .f32(value.bitPattern) }
    /// A 64-bit float value.
    public init(_ value: Double) { self = .f64(value.bitPattern) }
    /// A signed 32-bit integer value.
    public init(_ value: Int32) { self = .i32(UInt32(bitPattern: value)) }
    /// A signed 64-bit integer value.
    public init(_ value: Int64) { self = .i64(UInt64(bitPattern: value)) }

    /// The value's type.
    public var type: ValueType {
        switch self {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        case .f64: .f64
        case .funcref: .funcref
        case .externref: .externref
        }
    }

    /// The value in `wasmkit run` style, e.g. `i32:42`, `f64:2.5`.
    public var description: String {
        switch self {
        case .i32(let v): "i32:\(v)"
        case .i64(let v): "i64:\(v)"
        case .f32(let v): "f32:\(Float(bitPattern: v))"
        case .f64(let v): "f64:\(Double(bitPattern: v))"
        case .funcref(let f): f == nil ? "funcref:null" : "funcref"
        case .externref(let r): r.map { "externref:\($0)" } ?? "externref:null"
        }
    }

    /// The zero (or null) value of a type.
    public static func zero(_ type: ValueType) -> Value {
        switch type {
        case .i32: .i32(0)
        case .i64: .i64(0)
        case .f32: .f32(0)
        case .f64: .f64(0)
        case .funcref: .funcref(nil)
        case .externref: .externref(nil)
        }
    }

    /// The value's 64-bit slot encoding (i32/f32 zero-extended; references: 0 is null).
    var slot: UInt64 {
        switch self {
        case .i32(let v): UInt64(v)
        case .i64(let v): v
        case .f32(let v): UInt64(v)
        case .f64(let v): v
        case .funcref(let f): f.map { UInt64(UInt(bitPattern: $0.entry)) } ?? 0
        case .externref(let r): r.map { $0 &+ 1 } ?? 0
        }
    }

    /// Decodes a slot of the given type.
    init(slot: UInt64, type: ValueType, store: Store) {
        switch type {
        case .i32: self = .i32(UInt32(truncatingIfNeeded: slot))
        case .i64: self = .i64(slot)
        case .f32: self = .f32(UInt32(truncatingIfNeeded: slot))
        case .f64: self = .f64(slot)
        case .funcref:
            if let entry = UnsafeMutablePointer<FunctionEntry>(bitPattern: UInt(slot)) {
                self = .funcref(Function(store: store, entry: entry))
            } else {
                self = .funcref(nil)
            }
        case .externref: self = .externref(slot == 0 ? nil : slot &- 1)
        }
    }
}
