// Memory access opcodes: plain loads and stores (MVP) and the threads
// proposal's atomics (0xFE prefix). Raw values are the (sub)opcodes.

/// A plain load instruction; the raw value is its opcode.
public enum LoadOp: UInt8, Sendable, Hashable, CaseIterable {
    /// `i32.load`.
    case i32Load = 0x28
    /// `i64.load`.
    case i64Load = 0x29
    /// `f32.load`.
    case f32Load = 0x2A
    /// `f64.load`.
    case f64Load = 0x2B
    /// `i32.load8_s`.
    case i32Load8S = 0x2C
    /// `i32.load8_u`.
    case i32Load8U = 0x2D
    /// `i32.load16_s`.
    case i32Load16S = 0x2E
    /// `i32.load16_u`.
    case i32Load16U = 0x2F
    /// `i64.load8_s`.
    case i64Load8S = 0x30
    /// `i64.load8_u`.
    case i64Load8U = 0x31
    /// `i64.load16_s`.
    case i64Load16S = 0x32
    /// `i64.load16_u`.
    case i64Load16U = 0x33
    /// `i64.load32_s`.
    case i64Load32S = 0x34
    /// `i64.load32_u`.
    case i64Load32U = 0x35

    /// The text-format name, e.g. `i64.load32_u`.
    public var name: String {
        switch self {
        case .i32Load: "i32.load"
        case .i64Load: "i64.load"
        case .f32Load: "f32.load"
        case .f64Load: "f64.load"
        case .i32Load8S: "i32.load8_s"
        case .i32Load8U: "i32.load8_u"
        case .i32Load16S: "i32.load16_s"
        case .i32Load16U: "i32.load16_u"
        case .i64Load8S: "i64.load8_s"
        case .i64Load8U: "i64.load8_u"
        case .i64Load16S: "i64.load16_s"
        case .i64Load16U: "i64.load16_u"
        case .i64Load32S: "i64.load32_s"
        case .i64Load32U: "i64.load32_u"
        }
    }

    /// The type pushed on the operand stack.
    public var resultType: ValueType {
        switch self {
        case .i32Load: .i32
        case .i64Load: .i64
        case .f32Load: .f32
        case .f64Load: .f64
        case .i32Load8S: .i32
        case .i32Load8U: .i32
        case .i32Load16S: .i32
        case .i32Load16U: .i32
        case .i64Load8S: .i64
        case .i64Load8U: .i64
        case .i64Load16S: .i64
        case .i64Load16U: .i64
        case .i64Load32S: .i64
        case .i64Load32U: .i64
        }
    }

    /// How many bytes the load reads; the natural (maximum) alignment.
    public var byteWidth: Int {
        switch self {
        case .i32Load: 4
        case .i64Load: 8
        case .f32Load: 4
        case .f64Load: 8
        case .i32Load8S: 1
        case .i32Load8U: 1
        case .i32Load16S: 2
        case .i32Load16U: 2
        case .i64Load8S: 1
        case .i64Load8U: 1
        case .i64Load16S: 2
        case .i64Load16U: 2
        case .i64Load32S: 4
        case .i64Load32U: 4
        }
    }
}

/// A plain store instruction; the raw value is its opcode.
public enum StoreOp: UInt8, Sendable, Hashable, CaseIterable {
    /// `i32.store`.
    case i32Store = 0x36
    /// `i64.store`.
    case i64Store = 0x37
    /// `f32.store`.
    case f32Store = 0x38
    /// `f64.store`.
    case f64Store = 0x39
    /// `i32.store8`.
    case i32Store8 = 0x3A
    /// `i32.store16`.
    case i32Store16 = 0x3B
    /// `i64.store8`.
    case i64Store8 = 0x3C
    /// `i64.store16`.
    case i64Store16 = 0x3D
    /// `i64.store32`.
    case i64Store32 = 0x3E

    /// The text-format name, e.g. `i32.store8`.
    public var name: String {
        switch self {
        case .i32Store: "i32.store"
        case .i64Store: "i64.store"
        case .f32Store: "f32.store"
        case .f64Store: "f64.store"
        case .i32Store8: "i32.store8"
        case .i32Store16: "i32.store16"
        case .i64Store8: "i64.store8"
        case .i64Store16: "i64.store16"
        case .i64Store32: "i64.store32"
        }
    }

    /// The type of the value operand.
    public var valueType: ValueType {
        switch self {
        case .i32Store: .i32
        case .i64Store: .i64
        case .f32Store: .f32
        case .f64Store: .f64
        case .i32Store8: .i32
        case .i32Store16: .i32
        case .i64Store8: .i64
        case .i64Store16: .i64
        case .i64Store32: .i64
        }
    }

    /// How many bytes the store writes; the natural (maximum) alignment.
    public var byteWidth: Int {
        switch self {
        case .i32Store: 4
        case .i64Store: 8
        case .f32Store: 4
        case .f64Store: 8
        case .i32Store8: 1
        case .i32Store16: 2
        case .i64Store8: 1
        case .i64Store16: 2
        case .i64Store32: 4
        }
    }
}

/// An atomic memory instruction of the threads proposal other than
/// `memory.atomic.notify`/`wait` and `atomic.fence` (which have their own
/// ``Instruction`` cases). The raw value is the subopcode after the 0xFE prefix.
public enum AtomicOp: UInt8, Sendable, Hashable, CaseIterable {
    /// `i32.atomic.load`.
    case i32AtomicLoad = 0x10
    /// `i64.atomic.load`.
    case i64AtomicLoad = 0x11
    /// `i32.atomic.load8_u`.
    case i32AtomicLoad8U = 0x12
    /// `i32.atomic.load16_u`.
    case i32AtomicLoad16U = 0x13
    /// `i64.atomic.load8_u`.
    case i64AtomicLoad8U = 0x14
    /// `i64.atomic.load16_u`.
    case i64AtomicLoad16U = 0x15
    /// `i64.atomic.load32_u`.
    case i64AtomicLoad32U = 0x16
    /// `i32.atomic.store`.
    case i32AtomicStore = 0x17
    /// `i64.atomic.store`.
    case i64AtomicStore = 0x18
    /// `i32.atomic.store8`.
    case i32AtomicStore8 = 0x19
    /// `i32.atomic.store16`.
    case i32AtomicStore16 = 0x1A
    /// `i64.atomic.store8`.
    case i64AtomicStore8 = 0x1B
    /// `i64.atomic.store16`.
    case i64AtomicStore16 = 0x1C
    /// `i64.atomic.store32`.
    case i64AtomicStore32 = 0x1D
    /// `i32.atomic.rmw.add`.
    case i32AtomicRmwAdd = 0x1E
    /// `i64.atomic.rmw.add`.
    case i64AtomicRmwAdd = 0x1F
    /// `i32.atomic.rmw8.add_u`.
    case i32AtomicRmw8AddU = 0x20
    /// `i32.atomic.rmw16.add_u`.
    case i32AtomicRmw16AddU = 0x21
    /// `i64.atomic.rmw8.add_u`.
    case i64AtomicRmw8AddU = 0x22
    /// `i64.atomic.rmw16.add_u`.
    case i64AtomicRmw16AddU = 0x23
    /// `i64.atomic.rmw32.add_u`.
    case i64AtomicRmw32AddU = 0x24
    /// `i32.atomic.rmw.sub`.
    case i32AtomicRmwSub = 0x25
    /// `i64.atomic.rmw.sub`.
    case i64AtomicRmwSub = 0x26
    /// `i32.atomic.rmw8.sub_u`.
    case i32AtomicRmw8SubU = 0x27
    /// `i32.atomic.rmw16.sub_u`.
    case i32AtomicRmw16SubU = 0x28
    /// `i64.atomic.rmw8.sub_u`.
    case i64AtomicRmw8SubU = 0x29
    /// `i64.atomic.rmw16.sub_u`.
    case i64AtomicRmw16SubU = 0x2A
    /// `i64.atomic.rmw32.sub_u`.
    case i64AtomicRmw32SubU = 0x2B
    /// `i32.atomic.rmw.and`.
    case i32AtomicRmwAnd = 0x2C
    /// `i64.atomic.rmw.and`.
    case i64AtomicRmwAnd = 0x2D
    /// `i32.atomic.rmw8.and_u`.
    case i32AtomicRmw8AndU = 0x2E
    /// `i32.atomic.rmw16.and_u`.
    case i32AtomicRmw16AndU = 0x2F
    /// `i64.atomic.rmw8.and_u`.
    case i64AtomicRmw8AndU = 0x30
    /// `i64.atomic.rmw16.and_u`.
    case i64AtomicRmw16AndU = 0x31
    /// `i64.atomic.rmw32.and_u`.
    case i64AtomicRmw32AndU = 0x32
    /// `i32.atomic.rmw.or`.
    case i32AtomicRmwOr = 0x33
    /// `i64.atomic.rmw.or`.
    case i64AtomicRmwOr = 0x34
    /// `i32.atomic.rmw8.or_u`.
    case i32AtomicRmw8OrU = 0x35
    /// `i32.atomic.rmw16.or_u`.
    case i32AtomicRmw16OrU = 0x36
    /// `i64.atomic.rmw8.or_u`.
    case i64AtomicRmw8OrU = 0x37
    /// `i64.atomic.rmw16.or_u`.
    case i64AtomicRmw16OrU = 0x38
    /// `i64.atomic.rmw32.or_u`.
    case i64AtomicRmw32OrU = 0x39
    /// `i32.atomic.rmw.xor`.
    case i32AtomicRmwXor = 0x3A
    /// `i64.atomic.rmw.xor`.
    case i64AtomicRmwXor = 0x3B
    /// `i32.atomic.rmw8.xor_u`.
    case i32AtomicRmw8XorU = 0x3C
    /// `i32.atomic.rmw16.xor_u`.
    case i32AtomicRmw16XorU = 0x3D
    /// `i64.atomic.rmw8.xor_u`.
    case i64AtomicRmw8XorU = 0x3E
    /// `i64.atomic.rmw16.xor_u`.
    case i64AtomicRmw16XorU = 0x3F
    /// `i64.atomic.rmw32.xor_u`.
    case i64AtomicRmw32XorU = 0x40
    /// `i32.atomic.rmw.xchg`.
    case i32AtomicRmwXchg = 0x41
    /// `i64.atomic.rmw.xchg`.
    case i64AtomicRmwXchg = 0x42
    /// `i32.atomic.rmw8.xchg_u`.
    case i32AtomicRmw8XchgU = 0x43
    /// `i32.atomic.rmw16.xchg_u`.
    case i32AtomicRmw16XchgU = 0x44
    /// `i64.atomic.rmw8.xchg_u`.
    case i64AtomicRmw8XchgU = 0x45
    /// `i64.atomic.rmw16.xchg_u`.
    case i64AtomicRmw16XchgU = 0x46
    /// `i64.atomic.rmw32.xchg_u`.
    case i64AtomicRmw32XchgU = 0x47
    /// `i32.atomic.rmw.cmpxchg`.
    case i32AtomicRmwCmpxchg = 0x48
    /// `i64.atomic.rmw.cmpxchg`.
    case i64AtomicRmwCmpxchg = 0x49
    /// `i32.atomic.rmw8.cmpxchg_u`.
    case i32AtomicRmw8CmpxchgU = 0x4A
    /// `i32.atomic.rmw16.cmpxchg_u`.
    case i32AtomicRmw16CmpxchgU = 0x4B
    /// `i64.atomic.rmw8.cmpxchg_u`.
    case i64AtomicRmw8CmpxchgU = 0x4C
    /// `i64.atomic.rmw16.cmpxchg_u`.
    case i64AtomicRmw16CmpxchgU = 0x4D
    /// `i64.atomic.rmw32.cmpxchg_u`.
    case i64AtomicRmw32CmpxchgU = 0x4E

    /// What the instruction does with memory.
    public enum Kind: Sendable, Hashable {
        /// Pops an address, pushes the loaded value.
        case load
        /// Pops an address and a value.
        case store
        /// Pops an address and an operand, pushes the old value.
        case rmw
        /// Pops an address, an expected value and a replacement, pushes the old value.
        case cmpxchg
    }

    /// The text-format name, e.g. `i64.atomic.rmw32.cmpxchg_u`.
    public var name: String {
        switch self {
        case .i32AtomicLoad: "i32.atomic.load"
        case .i64AtomicLoad: "i64.atomic.load"
        case .i32AtomicLoad8U: "i32.atomic.load8_u"
        case .i32AtomicLoad16U: "i32.atomic.load16_u"
        case .i64AtomicLoad8U: "i64.atomic.load8_u"
        case .i64AtomicLoad16U: "i64.atomic.load16_u"
        case .i64AtomicLoad32U: "i64.atomic.load32_u"
        case .i32AtomicStore: "i32.atomic.store"
        case .i64AtomicStore: "i64.atomic.store"
        case .i32AtomicStore8: "i32.atomic.store8"
        case .i32AtomicStore16: "i32.atomic.store16"
        case .i64AtomicStore8: "i64.atomic.store8"
        case .i64AtomicStore16: "i64.atomic.store16"
        case .i64AtomicStore32: "i64.atomic.store32"
        case .i32AtomicRmwAdd: "i32.atomic.rmw.add"
        case .i64AtomicRmwAdd: "i64.atomic.rmw.add"
        case .i32AtomicRmw8AddU: "i32.atomic.rmw8.add_u"
        case .i32AtomicRmw16AddU: "i32.atomic.rmw16.add_u"
        case .i64AtomicRmw8AddU: "i64.atomic.rmw8.add_u"
        case .i64AtomicRmw16AddU: "i64.atomic.rmw16.add_u"
        case .i64AtomicRmw32AddU: "i64.atomic.rmw32.add_u"
        case .i32AtomicRmwSub: "i32.atomic.rmw.sub"
        case .i64AtomicRmwSub: "i64.atomic.rmw.sub"
        case .i32AtomicRmw8SubU: "i32.atomic.rmw8.sub_u"
        case .i32AtomicRmw16SubU: "i32.atomic.rmw16.sub_u"
        case .i64AtomicRmw8SubU: "i64.atomic.rmw8.sub_u"
        case .i64AtomicRmw16SubU: "i64.atomic.rmw16.sub_u"
        case .i64AtomicRmw32SubU: "i64.atomic.rmw32.sub_u"
        case .i32AtomicRmwAnd: "i32.atomic.rmw.and"
        case .i64AtomicRmwAnd: "i64.atomic.rmw.and"
        case .i32AtomicRmw8AndU: "i32.atomic.rmw8.and_u"
        case .i32AtomicRmw16AndU: "i32.atomic.rmw16.and_u"
        case .i64AtomicRmw8AndU: "i64.atomic.rmw8.and_u"
        case .i64AtomicRmw16AndU: "i64.atomic.rmw16.and_u"
        case .i64AtomicRmw32AndU: "i64.atomic.rmw32.and_u"
        case .i32AtomicRmwOr: "i32.atomic.rmw.or"
        case .i64AtomicRmwOr: "i64.atomic.rmw.or"
        case .i32AtomicRmw8OrU: "i32.atomic.rmw8.or_u"
        case .i32AtomicRmw16OrU: "i32.atomic.rmw16.or_u"
        case .i64AtomicRmw8OrU: "i64.atomic.rmw8.or_u"
        case .i64AtomicRmw16OrU: "i64.atomic.rmw16.or_u"
        case .i64AtomicRmw32OrU: "i64.atomic.rmw32.or_u"
        case .i32AtomicRmwXor: "i32.atomic.rmw.xor"
        case .i64AtomicRmwXor: "i64.atomic.rmw.xor"
        case .i32AtomicRmw8XorU: "i32.atomic.rmw8.xor_u"
        case .i32AtomicRmw16XorU: "i32.atomic.rmw16.xor_u"
        case .i64AtomicRmw8XorU: "i64.atomic.rmw8.xor_u"
        case .i64AtomicRmw16XorU: "i64.atomic.rmw16.xor_u"
        case .i64AtomicRmw32XorU: "i64.atomic.rmw32.xor_u"
        case .i32AtomicRmwXchg: "i32.atomic.rmw.xchg"
        case .i64AtomicRmwXchg: "i64.atomic.rmw.xchg"
        case .i32AtomicRmw8XchgU: "i32.atomic.rmw8.xchg_u"
        case .i32AtomicRmw16XchgU: "i32.atomic.rmw16.xchg_u"
        case .i64AtomicRmw8XchgU: "i64.atomic.rmw8.xchg_u"
        case .i64AtomicRmw16XchgU: "i64.atomic.rmw16.xchg_u"
        case .i64AtomicRmw32XchgU: "i64.atomic.rmw32.xchg_u"
        case .i32AtomicRmwCmpxchg: "i32.atomic.rmw.cmpxchg"
        case .i64AtomicRmwCmpxchg: "i64.atomic.rmw.cmpxchg"
        case .i32AtomicRmw8CmpxchgU: "i32.atomic.rmw8.cmpxchg_u"
        case .i32AtomicRmw16CmpxchgU: "i32.atomic.rmw16.cmpxchg_u"
        case .i64AtomicRmw8CmpxchgU: "i64.atomic.rmw8.cmpxchg_u"
        case .i64AtomicRmw16CmpxchgU: "i64.atomic.rmw16.cmpxchg_u"
        case .i64AtomicRmw32CmpxchgU: "i64.atomic.rmw32.cmpxchg_u"
        }
    }

    /// The value type the instruction operates on.
    public var valueType: ValueType {
        switch self {
        case .i32AtomicLoad: .i32
        case .i64AtomicLoad: .i64
        case .i32AtomicLoad8U: .i32
        case .i32AtomicLoad16U: .i32
        case .i64AtomicLoad8U: .i64
        case .i64AtomicLoad16U: .i64
        case .i64AtomicLoad32U: .i64
        case .i32AtomicStore: .i32
        case .i64AtomicStore: .i64
        case .i32AtomicStore8: .i32
        case .i32AtomicStore16: .i32
        case .i64AtomicStore8: .i64
        case .i64AtomicStore16: .i64
        case .i64AtomicStore32: .i64
        case .i32AtomicRmwAdd: .i32
        case .i64AtomicRmwAdd: .i64
        case .i32AtomicRmw8AddU: .i32
        case .i32AtomicRmw16AddU: .i32
        case .i64AtomicRmw8AddU: .i64
        case .i64AtomicRmw16AddU: .i64
        case .i64AtomicRmw32AddU: .i64
        case .i32AtomicRmwSub: .i32
        case .i64AtomicRmwSub: .i64
        case .i32AtomicRmw8SubU: .i32
        case .i32AtomicRmw16SubU: .i32
        case .i64AtomicRmw8SubU: .i64
        case .i64AtomicRmw16SubU: .i64
        case .i64AtomicRmw32SubU: .i64
        case .i32AtomicRmwAnd: .i32
        case .i64AtomicRmwAnd: .i64
        case .i32AtomicRmw8AndU: .i32
        case .i32AtomicRmw16AndU: .i32
        case .i64AtomicRmw8AndU: .i64
        case .i64AtomicRmw16AndU: .i64
        case .i64AtomicRmw32AndU: .i64
        case .i32AtomicRmwOr: .i32
        case .i64AtomicRmwOr: .i64
        case .i32AtomicRmw8OrU: .i32
        case .i32AtomicRmw16OrU: .i32
        case .i64AtomicRmw8OrU: .i64
        case .i64AtomicRmw16OrU: .i64
        case .i64AtomicRmw32OrU: .i64
        case .i32AtomicRmwXor: .i32
        case .i64AtomicRmwXor: .i64
        case .i32AtomicRmw8XorU: .i32
        case .i32AtomicRmw16XorU: .i32
        case .i64AtomicRmw8XorU: .i64
        case .i64AtomicRmw16XorU: .i64
        case .i64AtomicRmw32XorU: .i64
        case .i32AtomicRmwXchg: .i32
        case .i64AtomicRmwXchg: .i64
        case .i32AtomicRmw8XchgU: .i32
        case .i32AtomicRmw16XchgU: .i32
        case .i64AtomicRmw8XchgU: .i64
        case .i64AtomicRmw16XchgU: .i64
        case .i64AtomicRmw32XchgU: .i64
        case .i32AtomicRmwCmpxchg: .i32
        case .i64AtomicRmwCmpxchg: .i64
        case .i32AtomicRmw8CmpxchgU: .i32
        case .i32AtomicRmw16CmpxchgU: .i32
        case .i64AtomicRmw8CmpxchgU: .i64
        case .i64AtomicRmw16CmpxchgU: .i64
        case .i64AtomicRmw32CmpxchgU: .i64
        }
    }

    /// Bytes accessed; atomics require exactly this alignment.
    public var byteWidth: Int {
        switch self {
        case .i32AtomicLoad: 4
        case .i64AtomicLoad: 8
        case .i32AtomicLoad8U: 1
        case .i32AtomicLoad16U: 2
        case .i64AtomicLoad8U: 1
        case .i64AtomicLoad16U: 2
        case .i64AtomicLoad32U: 4
        case .i32AtomicStore: 4
        case .i64AtomicStore: 8
        case .i32AtomicStore8: 1
        case .i32AtomicStore16: 2
        case .i64AtomicStore8: 1
        case .i64AtomicStore16: 2
        case .i64AtomicStore32: 4
        case .i32AtomicRmwAdd: 4
        case .i64AtomicRmwAdd: 8
        case .i32AtomicRmw8AddU: 1
        case .i32AtomicRmw16AddU: 2
        case .i64AtomicRmw8AddU: 1
        case .i64AtomicRmw16AddU: 2
        case .i64AtomicRmw32AddU: 4
        case .i32AtomicRmwSub: 4
        case .i64AtomicRmwSub: 8
        case .i32AtomicRmw8SubU: 1
        case .i32AtomicRmw16SubU: 2
        case .i64AtomicRmw8SubU: 1
        case .i64AtomicRmw16SubU: 2
        case .i64AtomicRmw32SubU: 4
        case .i32AtomicRmwAnd: 4
        case .i64AtomicRmwAnd: 8
        case .i32AtomicRmw8AndU: 1
        case .i32AtomicRmw16AndU: 2
        case .i64AtomicRmw8AndU: 1
        case .i64AtomicRmw16AndU: 2
        case .i64AtomicRmw32AndU: 4
        case .i32AtomicRmwOr: 4
        case .i64AtomicRmwOr: 8
        case .i32AtomicRmw8OrU: 1
        case .i32AtomicRmw16OrU: 2
        case .i64AtomicRmw8OrU: 1
        case .i64AtomicRmw16OrU: 2
        case .i64AtomicRmw32OrU: 4
        case .i32AtomicRmwXor: 4
        case .i64AtomicRmwXor: 8
        case .i32AtomicRmw8XorU: 1
        case .i32AtomicRmw16XorU: 2
        case .i64AtomicRmw8XorU: 1
        case .i64AtomicRmw16XorU: 2
        case .i64AtomicRmw32XorU: 4
        case .i32AtomicRmwXchg: 4
        case .i64AtomicRmwXchg: 8
        case .i32AtomicRmw8XchgU: 1
        case .i32AtomicRmw16XchgU: 2
        case .i64AtomicRmw8XchgU: 1
        case .i64AtomicRmw16XchgU: 2
        case .i64AtomicRmw32XchgU: 4
        case .i32AtomicRmwCmpxchg: 4
        case .i64AtomicRmwCmpxchg: 8
        case .i32AtomicRmw8CmpxchgU: 1
        case .i32AtomicRmw16CmpxchgU: 2
        case .i64AtomicRmw8CmpxchgU: 1
        case .i64AtomicRmw16CmpxchgU: 2
        case .i64AtomicRmw32CmpxchgU: 4
        }
    }

    /// Whether it loads, stores, read-modify-writes or compare-exchanges.
    public var kind: Kind {
        switch self {
        case .i32AtomicLoad: .load
        case .i64AtomicLoad: .load
        case .i32AtomicLoad8U: .load
        case .i32AtomicLoad16U: .load
        case .i64AtomicLoad8U: .load
        case .i64AtomicLoad16U: .load
        case .i64AtomicLoad32U: .load
        case .i32AtomicStore: .store
        case .i64AtomicStore: .store
        case .i32AtomicStore8: .store
        case .i32AtomicStore16: .store
        case .i64AtomicStore8: .store
        case .i64AtomicStore16: .store
        case .i64AtomicStore32: .store
        case .i32AtomicRmwAdd: .rmw
        case .i64AtomicRmwAdd: .rmw
        case .i32AtomicRmw8AddU: .rmw
        case .i32AtomicRmw16AddU: .rmw
        case .i64AtomicRmw8AddU: .rmw
        case .i64AtomicRmw16AddU: .rmw
        case .i64AtomicRmw32AddU: .rmw
        case .i32AtomicRmwSub: .rmw
        case .i64AtomicRmwSub: .rmw
        case .i32AtomicRmw8SubU: .rmw
        case .i32AtomicRmw16SubU: .rmw
        case .i64AtomicRmw8SubU: .rmw
        case .i64AtomicRmw16SubU: .rmw
        case .i64AtomicRmw32SubU: .rmw
        case .i32AtomicRmwAnd: .rmw
        case .i64AtomicRmwAnd: .rmw
        case .i32AtomicRmw8AndU: .rmw
        case .i32AtomicRmw16AndU: .rmw
        case .i64AtomicRmw8AndU: .rmw
        case .i64AtomicRmw16AndU: .rmw
        case .i64AtomicRmw32AndU: .rmw
        case .i32AtomicRmwOr: .rmw
        case .i64AtomicRmwOr: .rmw
        case .i32AtomicRmw8OrU: .rmw
        case .i32AtomicRmw16OrU: .rmw
        case .i64AtomicRmw8OrU: .rmw
        case .i64AtomicRmw16OrU: .rmw
        case .i64AtomicRmw32OrU: .rmw
        case .i32AtomicRmwXor: .rmw
        case .i64AtomicRmwXor: .rmw
        case .i32AtomicRmw8XorU: .rmw
        case .i32AtomicRmw16XorU: .rmw
        case .i64AtomicRmw8XorU: .rmw
        case .i64AtomicRmw16XorU: .rmw
        case .i64AtomicRmw32XorU: .rmw
        case .i32AtomicRmwXchg: .rmw
        case .i64AtomicRmwXchg: .rmw
        case .i32AtomicRmw8XchgU: .rmw
        case .i32AtomicRmw16XchgU: .rmw
        case .i64AtomicRmw8XchgU: .rmw
        case .i64AtomicRmw16XchgU: .rmw
        case .i64AtomicRmw32XchgU: .rmw
        case .i32AtomicRmwCmpxchg: .cmpxchg
        case .i64AtomicRmwCmpxchg: .cmpxchg
        case .i32AtomicRmw8CmpxchgU: .cmpxchg
        case .i32AtomicRmw16CmpxchgU: .cmpxchg
        case .i64AtomicRmw8CmpxchgU: .cmpxchg
        case .i64AtomicRmw16CmpxchgU: .cmpxchg
        case .i64AtomicRmw32CmpxchgU: .cmpxchg
        }
    }
}
