/// The 16 TB registers' values, stored inline.
public struct TBRegisters: Sendable, Hashable, BitwiseCopyable, CustomStringConvertible {
    var storage:
        (
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    /// All registers zero.
    public init() {}

    /// Registers from 16 values (`r0` first); missing values are zero, extra ones ignored.
    public init(_ values: [UInt64]) {
        for (i, v) in values.prefix(16).enumerated() { self[TBReg(rawValue: UInt8(i))!] = v }
    }

    /// The value of a register.
    public subscript(r: TBReg) -> UInt64 {
        get { withUnsafeBytes(of: storage) { $0.load(fromByteOffset: r.index * 8, as: UInt64.self) } }
        set {
            withUnsafeMutableBytes(of: &storage) {
                $0.storeBytes(of: newValue, toByteOffset: r.index * 8, as: UInt64.self)
            }
        }
    }

    /// The values `r0` ... `r15` as an array.
    public var values: [UInt64] { TBReg.allCases.map { self[$0] } }

    /// Register files are equal when every register is.
    public static func == (a: TBRegisters, b: TBRegisters) -> Bool { a.values == b.values }
    /// Hashes all 16 values.
    public func hash(into h: inout Hasher) { h.combine(values) }

    /// `r0=0x... r1=0x...`.
    public var description: String {
        TBReg.allCases.map { "\($0)=0x\(String(self[$0], radix: 16))" }.joined(separator: " ")
    }
}

/// The argument values passed to a helper (at most six).
public struct TBHelperArguments: Sendable, Hashable {
    /// The values, padded with zeros.
    public var values: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    /// How many arguments were passed.
    public var count: Int = 0

    /// Creates an argument list from up to six values.
    public init(_ list: [UInt64]) {
        for (i, v) in list.prefix(6).enumerated() { self[i] = v }
        count = min(list.count, 6)
    }

    init() {}

    /// The argument at position `i` (0...5); zero past ``count``.
    public subscript(i: Int) -> UInt64 {
        get {
            switch i {
            case 0: values.0
            case 1: values.1
            case 2: values.2
            case 3: values.3
            case 4: values.4
            case 5: values.5
            default: 0
            }
        }
        set {
            switch i {
            case 0: values.0 = newValue
            case 1: values.1 = newValue
            case 2: values.2 = newValue
            case 3: values.3 = newValue
            case 4: values.4 = newValue
            case 5: values.5 = newValue
            default: break
            }
        }
    }

    /// The passed values as an array.
    public var array: [UInt64] { (0..<count).map { self[$0] } }

    /// Argument lists are equal when their passed values are.
    public static func == (a: TBHelperArguments, b: TBHelperArguments) -> Bool { a.array == b.array }
    /// Hashes the passed values.
    public func hash(into h: inout Hasher) { h.combine(array) }
}

/// A helper implemented in Swift: receives the argument values, returns the
/// result (ignored for helpers without one). Errors it throws abort the TB
/// and propagate to the caller of ``TBInterpreter/run(_:memory:context:registers:helpers:stepLimit:)``.
public typealias TBHelperFunction = (TBHelperArguments) throws -> UInt64
