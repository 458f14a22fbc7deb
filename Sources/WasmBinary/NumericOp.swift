// Every plain numeric instruction of the non-SIMD instruction set: the ones
// with no immediates that pop one or two numbers and push one. The raw value
// is the opcode; the non-trapping float-to-int conversions (0xFC prefix)
// are encoded as 0xFC00 | subopcode.

/// A numeric instruction without immediates (MVP arithmetic, comparisons and
/// conversions, sign extension, and the saturating float-to-int conversions).
///
/// `rawValue` is the opcode: one byte for 0x45...0xC4, and `0xFC00 | sub` for the
/// 0xFC-prefixed saturating conversions.
public enum NumericOp: UInt16, Sendable, Hashable, CaseIterable {
    /// `i32.eqz`.
    case i32Eqz = 0x45
    /// `i32.eq`.
    case i32Eq = 0x46
    /// `i32.ne`.
    case i32Ne = 0x47
    /// `i32.lt_s`.
    case i32LtS = 0x48
    /// `i32.lt_u`.
    case i32LtU = 0x49
    /// `i32.gt_s`.
    case i32GtS = 0x4A
    /// `i32.gt_u`.
    case i32GtU = 0x4B
    /// `i32.le_s`.
    case i32LeS = 0x4C
    /// `i32.le_u`.
    case i32LeU = 0x4D
    /// `i32.ge_s`.
    case i32GeS = 0x4E
    /// `i32.ge_u`.
    case i32GeU = 0x4F
    /// `i64.eqz`.
    case i64Eqz = 0x50
    /// `i64.eq`.
    case i64Eq = 0x51
    /// `i64.ne`.
    case i64Ne = 0x52
    /// `i64.lt_s`.
    case i64LtS = 0x53
    /// `i64.lt_u`.
    case i64LtU = 0x54
    /// `i64.gt_s`.
    case i64GtS = 0x55
    /// `i64.gt_u`.
    case i64GtU = 0x56
    /// `i64.le_s`.
    case i64LeS = 0x57
    /// `i64.le_u`.
    case i64LeU = 0x58
    /// `i64.ge_s`.
    case i64GeS = 0x59
    /// `i64.ge_u`.
    case i64GeU = 0x5A
    /// `f32.eq`.
    case f32Eq = 0x5B
    /// `f32.ne`.
    case f32Ne = 0x5C
    /// `f32.lt`.
    case f32Lt = 0x5D
    /// `f32.gt`.
    case f32Gt = 0x5E
    /// `f32.le`.
    case f32Le = 0x5F
    /// `f32.ge`.
    case f32Ge = 0x60
    /// `f64.eq`.
    case f64Eq = 0x61
    /// `f64.ne`.
    case f64Ne = 0x62
    /// `f64.lt`.
    case f64Lt = 0x63
    /// `f64.gt`.
    case f64Gt = 0x64
    /// `f64.le`.
    case f64Le = 0x65
    /// `f64.ge`.
    case f64Ge = 0x66
    /// `i32.clz`.
    case i32Clz = 0x67
    /// `i32.ctz`.
    case i32Ctz = 0x68
    /// `i32.popcnt`.
    case i32Popcnt = 0x69
    /// `i32.add`.
    case i32Add = 0x6A
    /// `i32.sub`.
    case i32Sub = 0x6B
    /// `i32.mul`.
    case i32Mul = 0x6C
    /// `i32.div_s`.
    case i32DivS = 0x6D
    /// `i32.div_u`.
    case i32DivU = 0x6E
    /// `i32.rem_s`.
    case i32RemS = 0x6F
    /// `i32.rem_u`.
    case i32RemU = 0x70
    /// `i32.and`.
    case i32And = 0x71
    /// `i32.or`.
    case i32Or = 0x72
    /// `i32.xor`.
    case i32Xor = 0x73
    /// `i32.shl`.
    case i32Shl = 0x74
    /// `i32.shr_s`.
    case i32ShrS = 0x75
    /// `i32.shr_u`.
    case i32ShrU = 0x76
    /// `i32.rotl`.
    case i32Rotl = 0x77
    /// `i32.rotr`.
    case i32Rotr = 0x78
    /// `i64.clz`.
    case i64Clz = 0x79
    /// `i64.ctz`.
    case i64Ctz = 0x7A
    /// `i64.popcnt`.
    case i64Popcnt = 0x7B
    /// `i64.add`.
    case i64Add = 0x7C
    /// `i64.sub`.
    case i64Sub = 0x7D
    /// `i64.mul`.
    case i64Mul = 0x7E
    /// `i64.div_s`.
    case i64DivS = 0x7F
    /// `i64.div_u`.
    case i64DivU = 0x80
    /// `i64.rem_s`.
    case i64RemS = 0x81
    /// `i64.rem_u`.
    case i64RemU = 0x82
    /// `i64.and`.
    case i64And = 0x83
    /// `i64.or`.
    case i64Or = 0x84
    /// `i64.xor`.
    case i64Xor = 0x85
    /// `i64.shl`.
    case i64Shl = 0x86
    /// `i64.shr_s`.
    case i64ShrS = 0x87
    /// `i64.shr_u`.
    case i64ShrU = 0x88
    /// `i64.rotl`.
    case i64Rotl = 0x89
    /// `i64.rotr`.
    case i64Rotr = 0x8A
    /// `f32.abs`.
    case f32Abs = 0x8B
    /// `f32.neg`.
    case f32Neg = 0x8C
    /// `f32.ceil`.
    case f32Ceil = 0x8D
    /// `f32.floor`.
    case f32Floor = 0x8E
    /// `f32.trunc`.
    case f32Trunc = 0x8F
    /// `f32.nearest`.
    case f32Nearest = 0x90
    /// `f32.sqrt`.
    case f32Sqrt = 0x91
    /// `f32.add`.
    case f32Add = 0x92
    /// `f32.sub`.
    case f32Sub = 0x93
    /// `f32.mul`.
    case f32Mul = 0x94
    /// `f32.div`.
    case f32Div = 0x95
    /// `f32.min`.
    case f32Min = 0x96
    /// `f32.max`.
    case f32Max = 0x97
    /// `f32.copysign`.
    case f32Copysign = 0x98
    /// `f64.abs`.
    case f64Abs = 0x99
    /// `f64.neg`.
    case f64Neg = 0x9A
    /// `f64.ceil`.
    case f64Ceil = 0x9B
    /// `f64.floor`.
    case f64Floor = 0x9C
    /// `f64.trunc`.
    case f64Trunc = 0x9D
    /// `f64.nearest`.
    case f64Nearest = 0x9E
    /// `f64.sqrt`.
    case f64Sqrt = 0x9F
    /// `f64.add`.
    case f64Add = 0xA0
    /// `f64.sub`.
    case f64Sub = 0xA1
    /// `f64.mul`.
    case f64Mul = 0xA2
    /// `f64.div`.
    case f64Div = 0xA3
    /// `f64.min`.
    case f64Min = 0xA4
    /// `f64.max`.
    case f64Max = 0xA5
    /// `f64.copysign`.
    case f64Copysign = 0xA6
    /// `i32.wrap_i64`.
    case i32WrapI64 = 0xA7
    /// `i32.trunc_f32_s`.
    case i32TruncF32S = 0xA8
    /// `i32.trunc_f32_u`.
    case i32TruncF32U = 0xA9
    /// `i32.trunc_f64_s`.
    case i32TruncF64S = 0xAA
    /// `i32.trunc_f64_u`.
    case i32TruncF64U = 0xAB
    /// `i64.extend_i32_s`.
    case i64ExtendI32S = 0xAC
    /// `i64.extend_i32_u`.
    case i64ExtendI32U = 0xAD
    /// `i64.trunc_f32_s`.
    case i64TruncF32S = 0xAE
    /// `i64.trunc_f32_u`.
    case i64TruncF32U = 0xAF
    /// `i64.trunc_f64_s`.
    case i64TruncF64S = 0xB0
    /// `i64.trunc_f64_u`.
    case i64TruncF64U = 0xB1
    /// `f32.convert_i32_s`.
    case f32ConvertI32S = 0xB2
    /// `f32.convert_i32_u`.
    case f32ConvertI32U = 0xB3
    /// `f32.convert_i64_s`.
    case f32ConvertI64S = 0xB4
    /// `f32.convert_i64_u`.
    case f32ConvertI64U = 0xB5
    /// `f32.demote_f64`.
    case f32DemoteF64 = 0xB6
    /// `f64.convert_i32_s`.
    case f64ConvertI32S = 0xB7
    /// `f64.convert_i32_u`.
    case f64ConvertI32U = 0xB8
    /// `f64.convert_i64_s`.
    case f64ConvertI64S = 0xB9
    /// `f64.convert_i64_u`.
    case f64ConvertI64U = 0xBA
    /// `f64.promote_f32`.
    case f64PromoteF32 = 0xBB
    /// `i32.reinterpret_f32`.
    case i32ReinterpretF32 = 0xBC
    /// `i64.reinterpret_f64`.
    case i64ReinterpretF64 = 0xBD
    /// `f32.reinterpret_i32`.
    case f32ReinterpretI32 = 0xBE
    /// `f64.reinterpret_i64`.
    case f64ReinterpretI64 = 0xBF
    /// `i32.extend8_s`.
    case i32Extend8S = 0xC0
    /// `i32.extend16_s`.
    case i32Extend16S = 0xC1
    /// `i64.extend8_s`.
    case i64Extend8S = 0xC2
    /// `i64.extend16_s`.
    case i64Extend16S = 0xC3
    /// `i64.extend32_s`.
    case i64Extend32S = 0xC4
    /// `i32.trunc_sat_f32_s`.
    case i32TruncSatF32S = 0xFC00
    /// `i32.trunc_sat_f32_u`.
    case i32TruncSatF32U = 0xFC01
    /// `i32.trunc_sat_f64_s`.
    case i32TruncSatF64S = 0xFC02
    /// `i32.trunc_sat_f64_u`.
    case i32TruncSatF64U = 0xFC03
    /// `i64.trunc_sat_f32_s`.
    case i64TruncSatF32S = 0xFC04
    /// `i64.trunc_sat_f32_u`.
    case i64TruncSatF32U = 0xFC05
    /// `i64.trunc_sat_f64_s`.
    case i64TruncSatF64S = 0xFC06
    /// `i64.trunc_sat_f64_u`.
    case i64TruncSatF64U = 0xFC07

    /// The instruction's name in the text format, e.g. `i32.add`.
    public var name: String {
        switch self {
        case .i32Eqz: "i32.eqz"
        case .i32Eq: "i32.eq"
        case .i32Ne: "i32.ne"
        case .i32LtS: "i32.lt_s"
        case .i32LtU: "i32.lt_u"
        case .i32GtS: "i32.gt_s"
        case .i32GtU: "i32.gt_u"
        case .i32LeS: "i32.le_s"
        case .i32LeU: "i32.le_u"
        case .i32GeS: "i32.ge_s"
        case .i32GeU: "i32.ge_u"
        case .i64Eqz: "i64.eqz"
        case .i64Eq: "i64.eq"
        case .i64Ne: "i64.ne"
        case .i64LtS: "i64.lt_s"
        case .i64LtU: "i64.lt_u"
        case .i64GtS: "i64.gt_s"
        case .i64GtU: "i64.gt_u"
        case .i64LeS: "i64.le_s"
        case .i64LeU: "i64.le_u"
        case .i64GeS: "i64.ge_s"
        case .i64GeU: "i64.ge_u"
        case .f32Eq: "f32.eq"
        case .f32Ne: "f32.ne"
        case .f32Lt: "f32.lt"
        case .f32Gt: "f32.gt"
        case .f32Le: "f32.le"
        case .f32Ge: "f32.ge"
        case .f64Eq: "f64.eq"
        case .f64Ne: "f64.ne"
        case .f64Lt: "f64.lt"
        case .f64Gt: "f64.gt"
        case .f64Le: "f64.le"
        case .f64Ge: "f64.ge"
        case .i32Clz: "i32.clz"
        case .i32Ctz: "i32.ctz"
        case .i32Popcnt: "i32.popcnt"
        case .i32Add: "i32.add"
        case .i32Sub: "i32.sub"
        case .i32Mul: "i32.mul"
        case .i32DivS: "i32.div_s"
        case .i32DivU: "i32.div_u"
        case .i32RemS: "i32.rem_s"
        case .i32RemU: "i32.rem_u"
        case .i32And: "i32.and"
        case .i32Or: "i32.or"
        case .i32Xor: "i32.xor"
        case .i32Shl: "i32.shl"
        case .i32ShrS: "i32.shr_s"
        case .i32ShrU: "i32.shr_u"
        case .i32Rotl: "i32.rotl"
        case .i32Rotr: "i32.rotr"
        case .i64Clz: "i64.clz"
        case .i64Ctz: "i64.ctz"
        case .i64Popcnt: "i64.popcnt"
        case .i64Add: "i64.add"
        case .i64Sub: "i64.sub"
        case .i64Mul: "i64.mul"
        case .i64DivS: "i64.div_s"
        case .i64DivU: "i64.div_u"
        case .i64RemS: "i64.rem_s"
        case .i64RemU: "i64.rem_u"
        case .i64And: "i64.and"
        case .i64Or: "i64.or"
        case .i64Xor: "i64.xor"
        case .i64Shl: "i64.shl"
        case .i64ShrS: "i64.shr_s"
        case .i64ShrU: "i64.shr_u"
        case .i64Rotl: "i64.rotl"
        case .i64Rotr: "i64.rotr"
        case .f32Abs: "f32.abs"
        case .f32Neg: "f32.neg"
        case .f32Ceil: "f32.ceil"
        case .f32Floor: "f32.floor"
        case .f32Trunc: "f32.trunc"
        case .f32Nearest: "f32.nearest"
        case .f32Sqrt: "f32.sqrt"
        case .f32Add: "f32.add"
        case .f32Sub: "f32.sub"
        case .f32Mul: "f32.mul"
        case .f32Div: "f32.div"
        case .f32Min: "f32.min"
        case .f32Max: "f32.max"
        case .f32Copysign: "f32.copysign"
        case .f64Abs: "f64.abs"
        case .f64Neg: "f64.neg"
        case .f64Ceil: "f64.ceil"
        case .f64Floor: "f64.floor"
        case .f64Trunc: "f64.trunc"
        case .f64Nearest: "f64.nearest"
        case .f64Sqrt: "f64.sqrt"
        case .f64Add: "f64.add"
        case .f64Sub: "f64.sub"
        case .f64Mul: "f64.mul"
        case .f64Div: "f64.div"
        case .f64Min: "f64.min"
        case .f64Max: "f64.max"
        case .f64Copysign: "f64.copysign"
        case .i32WrapI64: "i32.wrap_i64"
        case .i32TruncF32S: "i32.trunc_f32_s"
        case .i32TruncF32U: "i32.trunc_f32_u"
        case .i32TruncF64S: "i32.trunc_f64_s"
        case .i32TruncF64U: "i32.trunc_f64_u"
        case .i64ExtendI32S: "i64.extend_i32_s"
        case .i64ExtendI32U: "i64.extend_i32_u"
        case .i64TruncF32S: "i64.trunc_f32_s"
        case .i64TruncF32U: "i64.trunc_f32_u"
        case .i64TruncF64S: "i64.trunc_f64_s"
        case .i64TruncF64U: "i64.trunc_f64_u"
        case .f32ConvertI32S: "f32.convert_i32_s"
        case .f32ConvertI32U: "f32.convert_i32_u"
        case .f32ConvertI64S: "f32.convert_i64_s"
        case .f32ConvertI64U: "f32.convert_i64_u"
        case .f32DemoteF64: "f32.demote_f64"
        case .f64ConvertI32S: "f64.convert_i32_s"
        case .f64ConvertI32U: "f64.convert_i32_u"
        case .f64ConvertI64S: "f64.convert_i64_s"
        case .f64ConvertI64U: "f64.convert_i64_u"
        case .f64PromoteF32: "f64.promote_f32"
        case .i32ReinterpretF32: "i32.reinterpret_f32"
        case .i64ReinterpretF64: "i64.reinterpret_f64"
        case .f32ReinterpretI32: "f32.reinterpret_i32"
        case .f64ReinterpretI64: "f64.reinterpret_i64"
        case .i32Extend8S: "i32.extend8_s"
        case .i32Extend16S: "i32.extend16_s"
        case .i64Extend8S: "i64.extend8_s"
        case .i64Extend16S: "i64.extend16_s"
        case .i64Extend32S: "i64.extend32_s"
        case .i32TruncSatF32S: "i32.trunc_sat_f32_s"
        case .i32TruncSatF32U: "i32.trunc_sat_f32_u"
        case .i32TruncSatF64S: "i32.trunc_sat_f64_s"
        case .i32TruncSatF64U: "i32.trunc_sat_f64_u"
        case .i64TruncSatF32S: "i64.trunc_sat_f32_s"
        case .i64TruncSatF32U: "i64.trunc_sat_f32_u"
        case .i64TruncSatF64S: "i64.trunc_sat_f64_s"
        case .i64TruncSatF64U: "i64.trunc_sat_f64_u"
        }
    }

    /// The operand types it pops (first pushed first) and the type it pushes.
    public var signature: (operands: [ValueType], result: ValueType) {
        switch self {
        case .i32Eqz: ([.i32], .i32)
        case .i32Eq: ([.i32, .i32], .i32)
        case .i32Ne: ([.i32, .i32], .i32)
        case .i32LtS: ([.i32, .i32], .i32)
        case .i32LtU: ([.i32, .i32], .i32)
        case .i32GtS: ([.i32, .i32], .i32)
        case .i32GtU: ([.i32, .i32], .i32)
        case .i32LeS: ([.i32, .i32], .i32)
        case .i32LeU: ([.i32, .i32], .i32)
        case .i32GeS: ([.i32, .i32], .i32)
        case .i32GeU: ([.i32, .i32], .i32)
        case .i64Eqz: ([.i64], .i32)
        case .i64Eq: ([.i64, .i64], .i32)
        case .i64Ne: ([.i64, .i64], .i32)
        case .i64LtS: ([.i64, .i64], .i32)
        case .i64LtU: ([.i64, .i64], .i32)
        case .i64GtS: ([.i64, .i64], .i32)
        case .i64GtU: ([.i64, .i64], .i32)
        case .i64LeS: ([.i64, .i64], .i32)
        case .i64LeU: ([.i64, .i64], .i32)
        case .i64GeS: ([.i64, .i64], .i32)
        case .i64GeU: ([.i64, .i64], .i32)
        case .f32Eq: ([.f32, .f32], .i32)
        case .f32Ne: ([.f32, .f32], .i32)
        case .f32Lt: ([.f32, .f32], .i32)
        case .f32Gt: ([.f32, .f32], .i32)
        case .f32Le: ([.f32, .f32], .i32)
        case .f32Ge: ([.f32, .f32], .i32)
        case .f64Eq: ([.f64, .f64], .i32)
        case .f64Ne: ([.f64, .f64], .i32)
        case .f64Lt: ([.f64, .f64], .i32)
        case .f64Gt: ([.f64, .f64], .i32)
        case .f64Le: ([.f64, .f64], .i32)
        case .f64Ge: ([.f64, .f64], .i32)
        case .i32Clz: ([.i32], .i32)
        case .i32Ctz: ([.i32], .i32)
        case .i32Popcnt: ([.i32], .i32)
        case .i32Add: ([.i32, .i32], .i32)
        case .i32Sub: ([.i32, .i32], .i32)
        case .i32Mul: ([.i32, .i32], .i32)
        case .i32DivS: ([.i32, .i32], .i32)
        case .i32DivU: ([.i32, .i32], .i32)
        case .i32RemS: ([.i32, .i32], .i32)
        case .i32RemU: ([.i32, .i32], .i32)
        case .i32And: ([.i32, .i32], .i32)
        case .i32Or: ([.i32, .i32], .i32)
        case .i32Xor: ([.i32, .i32], .i32)
        case .i32Shl: ([.i32, .i32], .i32)
        case .i32ShrS: ([.i32, .i32], .i32)
        case .i32ShrU: ([.i32, .i32], .i32)
        case .i32Rotl: ([.i32, .i32], .i32)
        case .i32Rotr: ([.i32, .i32], .i32)
        case .i64Clz: ([.i64], .i64)
        case .i64Ctz: ([.i64], .i64)
        case .i64Popcnt: ([.i64], .i64)
        case .i64Add: ([.i64, .i64], .i64)
        case .i64Sub: ([.i64, .i64], .i64)
        case .i64Mul: ([.i64, .i64], .i64)
        case .i64DivS: ([.i64, .i64], .i64)
        case .i64DivU: ([.i64, .i64], .i64)
        case .i64RemS: ([.i64, .i64], .i64)
        case .i64RemU: ([.i64, .i64], .i64)
        case .i64And: ([.i64, .i64], .i64)
        case .i64Or: ([.i64, .i64], .i64)
        case .i64Xor: ([.i64, .i64], .i64)
        case .i64Shl: ([.i64, .i64], .i64)
        case .i64ShrS: ([.i64, .i64], .i64)
        case .i64ShrU: ([.i64, .i64], .i64)
        case .i64Rotl: ([.i64, .i64], .i64)
        case .i64Rotr: ([.i64, .i64], .i64)
        case .f32Abs: ([.f32], .f32)
        case .f32Neg: ([.f32], .f32)
        case .f32Ceil: ([.f32], .f32)
        case .f32Floor: ([.f32], .f32)
        case .f32Trunc: ([.f32], .f32)
        case .f32Nearest: ([.f32], .f32)
        case .f32Sqrt: ([.f32], .f32)
        case .f32Add: ([.f32, .f32], .f32)
        case .f32Sub: ([.f32, .f32], .f32)
        case .f32Mul: ([.f32, .f32], .f32)
        case .f32Div: ([.f32, .f32], .f32)
        case .f32Min: ([.f32, .f32], .f32)
        case .f32Max: ([.f32, .f32], .f32)
        case .f32Copysign: ([.f32, .f32], .f32)
        case .f64Abs: ([.f64], .f64)
        case .f64Neg: ([.f64], .f64)
        case .f64Ceil: ([.f64], .f64)
        case .f64Floor: ([.f64], .f64)
        case .f64Trunc: ([.f64], .f64)
        case .f64Nearest: ([.f64], .f64)
        case .f64Sqrt: ([.f64], .f64)
        case .f64Add: ([.f64, .f64], .f64)
        case .f64Sub: ([.f64, .f64], .f64)
        case .f64Mul: ([.f64, .f64], .f64)
        case .f64Div: ([.f64, .f64], .f64)
        case .f64Min: ([.f64, .f64], .f64)
        case .f64Max: ([.f64, .f64], .f64)
        case .f64Copysign: ([.f64, .f64], .f64)
        case .i32WrapI64: ([.i64], .i32)
        case .i32TruncF32S: ([.f32], .i32)
        case .i32TruncF32U: ([.f32], .i32)
        case .i32TruncF64S: ([.f64], .i32)
        case .i32TruncF64U: ([.f64], .i32)
        case .i64ExtendI32S: ([.i32], .i64)
        case .i64ExtendI32U: ([.i32], .i64)
        case .i64TruncF32S: ([.f32], .i64)
        case .i64TruncF32U: ([.f32], .i64)
        case .i64TruncF64S: ([.f64], .i64)
        case .i64TruncF64U: ([.f64], .i64)
        case .f32ConvertI32S: ([.i32], .f32)
        case .f32ConvertI32U: ([.i32], .f32)
        case .f32ConvertI64S: ([.i64], .f32)
        case .f32ConvertI64U: ([.i64], .f32)
        case .f32DemoteF64: ([.f64], .f32)
        case .f64ConvertI32S: ([.i32], .f64)
        case .f64ConvertI32U: ([.i32], .f64)
        case .f64ConvertI64S: ([.i64], .f64)
        case .f64ConvertI64U: ([.i64], .f64)
        case .f64PromoteF32: ([.f32], .f64)
        case .i32ReinterpretF32: ([.f32], .i32)
        case .i64ReinterpretF64: ([.f64], .i64)
        case .f32ReinterpretI32: ([.i32], .f32)
        case .f64ReinterpretI64: ([.i64], .f64)
        case .i32Extend8S: ([.i32], .i32)
        case .i32Extend16S: ([.i32], .i32)
        case .i64Extend8S: ([.i64], .i64)
        case .i64Extend16S: ([.i64], .i64)
        case .i64Extend32S: ([.i64], .i64)
        case .i32TruncSatF32S: ([.f32], .i32)
        case .i32TruncSatF32U: ([.f32], .i32)
        case .i32TruncSatF64S: ([.f64], .i32)
        case .i32TruncSatF64U: ([.f64], .i32)
        case .i64TruncSatF32S: ([.f32], .i64)
        case .i64TruncSatF32U: ([.f32], .i64)
        case .i64TruncSatF64S: ([.f64], .i64)
        case .i64TruncSatF64U: ([.f64], .i64)
        }
    }
}
