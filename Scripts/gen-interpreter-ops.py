#!/usr/bin/env python3
"""Generates the WasmInterpreter opcode enum (Op.swift) and the numeric, load and
store cases of the interpreter loop (between the GENERATED markers in
Interpreter+Run.swift). Run from the package root after editing the tables below."""
import re

# Control and slow-path opcodes written by hand in Interpreter+Run.swift.
HAND = """unreachable fuel br brIf brIfNot brTable copy const ret ret1 call callIndirect select
globalGet globalSet memorySize memoryGrow memoryCopy memoryFill instanceOperation tableOperation atomic
brIfI32LtS brIfI32LtU brIfI32GeS brIfI32GeU brIfI32Eq brIfI32Ne
brIfI64LtS brIfI64LtU brIfI64GeS brIfI64GeU brIfI64Eq brIfI64Ne
brIfI32LtSImm brIfI32GeSImm brIfI32LtUImm brIfI32GeUImm brIfI32EqImm brIfI32NeImm
brIfI64LtSImm brIfI64GeSImm brIfI64LtUImm brIfI64GeUImm brIfI64EqImm brIfI64NeImm
""".split()

RD = {
    'i32': 'UInt32(truncatingIfNeeded: fp[Int(i.{r})])',
    'i64': 'fp[Int(i.{r})]',
    'f32': 'Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(i.{r})]))',
    'f64': 'Double(bitPattern: fp[Int(i.{r})])',
}
WR = {'i32': 'UInt64({e})', 'i64': '{e}', 'f32': 'UInt64(Numerics.bits({e}))', 'f64': 'Numerics.bits({e})',
      'bool': '(({e}) ? 1 : 0)'}

# name: (operand type, result type, expression in x (and y); 'try ' allowed)
N = {}
def b(t, rt, ops):
    for name, e in ops: N[name] = (t, rt, e, 2)
def u(t, rt, ops):
    for name, e in ops: N[name] = (t, rt, e, 1)

u('i32', 'bool', [('i32Eqz', 'x == 0')])
b('i32', 'bool', [('i32Eq', 'x == y'), ('i32Ne', 'x != y'),
    ('i32LtS', 'Int32(bitPattern: x) < Int32(bitPattern: y)'), ('i32LtU', 'x < y'),
    ('i32GtS', 'Int32(bitPattern: x) > Int32(bitPattern: y)'), ('i32GtU', 'x > y'),
    ('i32LeS', 'Int32(bitPattern: x) <= Int32(bitPattern: y)'), ('i32LeU', 'x <= y'),
    ('i32GeS', 'Int32(bitPattern: x) >= Int32(bitPattern: y)'), ('i32GeU', 'x >= y')])
u('i64', 'bool', [('i64Eqz', 'x == 0')])
b('i64', 'bool', [('i64Eq', 'x == y'), ('i64Ne', 'x != y'),
    ('i64LtS', 'Int64(bitPattern: x) < Int64(bitPattern: y)'), ('i64LtU', 'x < y'),
    ('i64GtS', 'Int64(bitPattern: x) > Int64(bitPattern: y)'), ('i64GtU', 'x > y'),
    ('i64LeS', 'Int64(bitPattern: x) <= Int64(bitPattern: y)'), ('i64LeU', 'x <= y'),
    ('i64GeS', 'Int64(bitPattern: x) >= Int64(bitPattern: y)'), ('i64GeU', 'x >= y')])
for t in ('f32', 'f64'):
    p = t
    b(t, 'bool', [(p + 'Eq', 'x == y'), (p + 'Ne', 'x != y'), (p + 'Lt', 'x < y'), (p + 'Gt', 'x > y'),
                  (p + 'Le', 'x <= y'), (p + 'Ge', 'x >= y')])
for t, S in (('i32', 'Int32'), ('i64', 'Int64')):
    u(t, t, [(t + 'Clz', f'{"UInt32" if t == "i32" else "UInt64"}(x.leadingZeroBitCount)'),
             (t + 'Ctz', f'{"UInt32" if t == "i32" else "UInt64"}(x.trailingZeroBitCount)'),
             (t + 'Popcnt', f'{"UInt32" if t == "i32" else "UInt64"}(x.nonzeroBitCount)')])
    b(t, t, [(t + 'Add', 'x &+ y'), (t + 'Sub', 'x &- y'), (t + 'Mul', 'x &* y'),
             (t + 'DivS', f'try Numerics.divS(x, y)'), (t + 'DivU', f'try Numerics.divU(x, y)'),
             (t + 'RemS', f'try Numerics.remS(x, y)'), (t + 'RemU', f'try Numerics.remU(x, y)'),
             (t + 'And', 'x & y'), (t + 'Or', 'x | y'), (t + 'Xor', 'x ^ y'),
             (t + 'Shl', 'x &<< y'), (t + 'ShrS', f'{"UInt32" if t == "i32" else "UInt64"}(bitPattern: {S}(bitPattern: x) &>> {S}(bitPattern: y))'),
             (t + 'ShrU', 'x &>> y'), (t + 'Rotl', '(x &<< y) | (x &>> (0 &- y))'),
             (t + 'Rotr', '(x &>> y) | (x &<< (0 &- y))')])
for t, it, sign in (('f32', 'i32', '0x8000_0000'), ('f64', 'i64', '0x8000_0000_0000_0000')):
    u(it, it, [(t + 'Abs', f'x & ~{sign}'), (t + 'Neg', f'x ^ {sign}')])
    b(it, it, [(t + 'Copysign', f'(x & ~{sign}) | (y & {sign})')])
    u(t, t, [(t + 'Ceil', 'Numerics.round(x, .up)'), (t + 'Floor', 'Numerics.round(x, .down)'),
             (t + 'Trunc', 'Numerics.round(x, .towardZero)'),
             (t + 'Nearest', 'Numerics.round(x, .toNearestOrEven)'), (t + 'Sqrt', 'x.squareRoot()')])
    b(t, t, [(t + 'Add', 'x + y'), (t + 'Sub', 'x - y'), (t + 'Mul', 'x * y'), (t + 'Div', 'x / y'),
             (t + 'Min', 'Numerics.min(x, y)'), (t + 'Max', 'Numerics.max(x, y)')])
u('i64', 'i32', [('i32WrapI64', 'UInt32(truncatingIfNeeded: x)')])
for src in ('f32', 'f64'):
    for dst, U in (('i32', 'UInt32'), ('i64', 'UInt64')):
        S = 'Int32' if dst == 'i32' else 'Int64'
        F = src.upper()
        u(src, dst, [(f'{dst}Trunc{F}S', f'{U}(bitPattern: try Numerics.truncate(x, to: {S}.self))'),
                     (f'{dst}Trunc{F}U', f'try Numerics.truncate(x, to: {U}.self)'),
                     (f'{dst}TruncSat{F}S', f'{U}(bitPattern: Numerics.truncateSaturating(x, to: {S}.self))'),
                     (f'{dst}TruncSat{F}U', f'Numerics.truncateSaturating(x, to: {U}.self)')])
u('i32', 'i64', [('i64ExtendI32S', 'UInt64(bitPattern: Int64(Int32(bitPattern: x)))'), ('i64ExtendI32U', 'UInt64(x)')])
for dst, FT in (('f32', 'Float'), ('f64', 'Double')):
    u('i32', dst, [(f'{dst}ConvertI32S', f'{FT}(Int32(bitPattern: x))'), (f'{dst}ConvertI32U', f'{FT}(x)')])
    u('i64', dst, [(f'{dst}ConvertI64S', f'{FT}(Int64(bitPattern: x))'), (f'{dst}ConvertI64U', f'{FT}(x)')])
u('f64', 'f32', [('f32DemoteF64', 'Float(x)')])
u('f32', 'f64', [('f64PromoteF32', 'Double(x)')])
for name in ('i32ReinterpretF32', 'i64ReinterpretF64', 'f32ReinterpretI32', 'f64ReinterpretI64'):
    u('i64', 'i64', [(name, 'x')])
u('i32', 'i32', [('i32Extend8S', 'UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: x)))'),
                 ('i32Extend16S', 'UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: x)))')])
u('i64', 'i64', [('i64Extend8S', 'UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: x)))'),
                 ('i64Extend16S', 'UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: x)))'),
                 ('i64Extend32S', 'UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x)))')])

# Loads: name -> (memory type, width, slot expression from v)
LOADS = {
    'i32Load': ('UInt32', 4, 'UInt64(v)'), 'i64Load': ('UInt64', 8, 'v'),
    'f32Load': ('UInt32', 4, 'UInt64(v)'), 'f64Load': ('UInt64', 8, 'v'),
    'i32Load8S': ('Int8', 1, 'UInt64(UInt32(bitPattern: Int32(v)))'), 'i32Load8U': ('UInt8', 1, 'UInt64(v)'),
    'i32Load16S': ('Int16', 2, 'UInt64(UInt32(bitPattern: Int32(v)))'), 'i32Load16U': ('UInt16', 2, 'UInt64(v)'),
    'i64Load8S': ('Int8', 1, 'UInt64(bitPattern: Int64(v))'), 'i64Load8U': ('UInt8', 1, 'UInt64(v)'),
    'i64Load16S': ('Int16', 2, 'UInt64(bitPattern: Int64(v))'), 'i64Load16U': ('UInt16', 2, 'UInt64(v)'),
    'i64Load32S': ('Int32', 4, 'UInt64(bitPattern: Int64(v))'), 'i64Load32U': ('UInt32', 4, 'UInt64(v)'),
}
STORES = {
    'i32Store': ('UInt32', 4), 'i64Store': ('UInt64', 8), 'f32Store': ('UInt32', 4), 'f64Store': ('UInt64', 8),
    'i32Store8': ('UInt8', 1), 'i32Store16': ('UInt16', 2), 'i64Store8': ('UInt8', 1),
    'i64Store16': ('UInt16', 2), 'i64Store32': ('UInt32', 4),
}

# Immediate forms. None for sub, rotr, gt and le: the translator writes
# x - k as x + (-k), rotr k as rotl -k, x > k as x >= k + 1 and x <= k as
# x < k + 1 (keeping the opcode count within one byte).
REWRITTEN = ('Sub', 'Rotr', 'GtS', 'GtU', 'LeS', 'LeU')
IMM = {}
for name, (t, rt, e, arity) in N.items():
    if arity == 2 and t in ('i32', 'i64') and name[:3] == t and name[3:] not in REWRITTEN:
        IMM[name + 'Imm'] = (t, rt, e, name)
# Conversions that leave a slot's bits alone (i32 and f32 slots are kept
# zero-extended): the translator emits nothing for them.
NOOP = ('i64ExtendI32U', 'i32ReinterpretF32', 'i64ReinterpretF64', 'f32ReinterpretI32', 'f64ReinterpretI64')
# Increment-and-branch: `r = x + k; slot[a] = r; if r <cond> y goto target`,
# the back edge of a counted loop in one dispatch. a: result slot, b: x,
# c: y's slot (or the constant y for the Imm forms), x: k as Int16, imm: the
# branch offset. y is read after the store, so c may name a.
S32 = 'Int32(bitPattern: {})'
CONDS = {
    'Eq': 'r == y', 'Ne': 'r != y',
    'LtS': f'{S32.format("r")} < {S32.format("y")}', 'LtU': 'r < y',
    'GtS': f'{S32.format("r")} > {S32.format("y")}', 'GtU': 'r > y',
    'LeS': f'{S32.format("r")} <= {S32.format("y")}', 'LeU': 'r <= y',
    'GeS': f'{S32.format("r")} >= {S32.format("y")}', 'GeU': 'r >= y',
}
ADDBR = {}
for cond, e in CONDS.items():
    ADDBR['i32AddImmBrIf' + cond] = (e, 'UInt32(truncatingIfNeeded: fp[Int(i.c)])')
for cond in ('Eq', 'Ne', 'LtS', 'LtU', 'GeS', 'GeU'):
    ADDBR['i32AddImmBrIf' + cond + 'Imm'] = (CONDS[cond], 'i.c')

# Global-operand forms, for the code Binaryen's Asyncify pass emits on every
# frame it unwinds or rewinds (see Translator+Globals.swift). The global's
# cell pointer is known at translation time.
#   brIfGlobalI32{Eq,Ne}Imm: if low32(cell) <cond> a goto imm; the cell
#     pointer is b | c << 32 (imm is the branch offset, like every branch).
#   selectGlobal: slot[a] = cell != 0 ? slot[b] : slot[c]; imm: the cell.
#   i32LoadGlobal: slot[a] = load(cell, end c); imm: the cell.
#   i32AddImmAtGlobal: mem[cell] += k (load and store with the same end c,
#     one bounds check); b: k; imm: the cell.
# Only memory32 forms: the opcode must stay within one byte (memory64
# Asyncify code runs unfused).
CELL = 'UnsafeMutablePointer<UInt64>(bitPattern: UInt({})).unsafelyUnwrapped.pointee'
GBR = {'brIfGlobalI32EqImm': '==', 'brIfGlobalI32NeImm': '!='}
GLOBAL_STRAIGHT = {
    'selectGlobal': ['fp[Int(i.a)] = ' + CELL.format('i.imm') + ' != 0 ? fp[Int(i.b)] : fp[Int(i.c)]'],
}
# i32{Eq,Ne}ImmGlobal: slot[a] = low32(cell) <cond> c ? 1 : 0; imm: the cell.
for name, cmp in (('i32EqImmGlobal', '=='), ('i32NeImmGlobal', '!=')):
    GLOBAL_STRAIGHT[name] = [f'fp[Int(i.a)] = UInt32(truncatingIfNeeded: {CELL.format("i.imm")}) {cmp} i.c ? 1 : 0']
for t, T, w, k in (('i32', 'UInt32', 4, 'i.b'),):
    head = ['let address = ' + CELL.format('i.imm'),
            'let end = address &+ UInt64(i.c)',
            'if end > memorySize || end < address { throw Trap.outOfBoundsMemory() }',
            f'let p = memory + Int(bitPattern: UInt(truncatingIfNeeded: end &- {w}))']
    GLOBAL_STRAIGHT[t + 'LoadGlobal'] = head + [f'fp[Int(i.a)] = UInt64(p.loadUnaligned(as: {T}.self))']
    GLOBAL_STRAIGHT[t + 'AddImmAtGlobal'] = head + [f'p.store(p.loadUnaligned(as: {T}.self) &+ {k})']
# Through a pointer loaded from the global's address (Asyncify's call index:
# `global.get; i32.load; i32.load` and `global.get; i32.load; local.get;
# i32.store`), the pointer 4 bytes wide (memory32).
#   i32LoadIndirect32: slot[a] = load32(load32(cell, end b), end c)
#   i32StoreIndirect32: store32(load32(cell, end a), end b) = slot[c]
for bits, P, w in (('32', 'UInt32', 4),):
    def through(end1):
        return ['let base = ' + CELL.format('i.imm'),
                f'let pointerEnd = base &+ UInt64({end1})',
                'if pointerEnd > memorySize || pointerEnd < base { throw Trap.outOfBoundsMemory() }',
                f'let address = UInt64((memory + Int(bitPattern: UInt(truncatingIfNeeded: pointerEnd &- {w})))'
                f'.loadUnaligned(as: {P}.self))']
    def final(end2):
        return [f'let end = address &+ UInt64({end2})',
                'if end > memorySize || end < address { throw Trap.outOfBoundsMemory() }',
                'let p = memory + Int(bitPattern: UInt(truncatingIfNeeded: end &- 4))']
    GLOBAL_STRAIGHT['i32LoadIndirect' + bits] = through('i.b') + final('i.c') + [
        'fp[Int(i.a)] = UInt64(p.loadUnaligned(as: UInt32.self))']
    GLOBAL_STRAIGHT['i32StoreIndirect' + bits] = through('i.a') + final('i.b') + [
        'p.store(UInt32(truncatingIfNeeded: fp[Int(i.c)]))']

# The float rounding instructions share one opcode (x: the index in ROUND;
# the work is a call anyway), to make room for the global forms.
ROUND = [f'{t}{r}' for t in ('f32', 'f64') for r in ('Ceil', 'Floor', 'Trunc', 'Nearest')]

ops = (HAND + [n for n in N if n not in NOOP and n not in ROUND] + list(IMM) + list(ADDBR) + list(LOADS)
       + list(STORES) + ['floatRound'] + list(GBR) + list(GLOBAL_STRAIGHT))
assert len(ops) <= 256, 'the opcode must fit in one byte'
out = ['// GENERATED by Scripts/gen-interpreter-ops.py; do not edit by hand.', '',
       '/// The opcodes of the interpreter\'s internal code (see ``Inst``).',
       'enum Op: UInt16 {']
for o in ops:
    out.append(f'    case {o}')
out.append('}')
out.append('')
out.append('extension Op {')
out.append('    /// The internal opcode for a plain numeric instruction.')
out.append('    init(_ op: NumericOp) {')
out.append('        switch op {')
for o in N:
    out.append(f'        case .{o}: self = .{"copy" if o in NOOP else "floatRound" if o in ROUND else o}')
out.append('        }')
out.append('    }')
out.append('')
out.append('    /// The ``Op/floatRound`` subcode (`Inst.x`) of a rounding instruction.')
out.append('    static func roundingCode(_ op: NumericOp) -> UInt16? {')
out.append('        switch op {')
for k, o in enumerate(ROUND):
    out.append(f'        case .{o}: {k}')
out.append('        default: nil')
out.append('        }')
out.append('    }')
out.append('')
out.append('    /// The form of a binary integer operator whose right operand is the immediate.')
out.append('    static func immediateForm(_ op: NumericOp) -> Op? {')
out.append('        switch op {')
for o, (t, rt, e, base) in IMM.items():
    out.append(f'        case .{base}: .{o}')
out.append('        default: nil')
out.append('        }')
out.append('    }')
out.append('')
straight = (['copy', 'const', 'select', 'globalGet', 'globalSet', 'floatRound']
            + [n for n in N if n not in NOOP and n not in ROUND] + list(IMM) + list(LOADS) + list(STORES)
            + list(GLOBAL_STRAIGHT))
out.append('    /// Whether the instruction neither branches nor calls (it may trap):')
out.append('    /// a copy of it elsewhere in the code computes the same thing.')
out.append('    var isStraightLine: Bool {')
out.append('        switch self {')
for k in range(0, len(straight), 6):
    chunk = ', '.join('.' + o for o in straight[k:k + 6])
    lead = 'case ' if k == 0 else '    '
    out.append(f'        {lead}{chunk}{":" if k + 6 >= len(straight) else ","}')
out.append('            true')
out.append('        default: false')
out.append('        }')
out.append('    }')
out.append('')
out.append('    /// The internal opcode for a load.')
out.append('    init(_ op: LoadOp) {')
out.append('        switch op {')
for o in LOADS:
    out.append(f'        case .{o}: self = .{o}')
out.append('        }')
out.append('    }')
out.append('')
out.append('    /// The internal opcode for a store.')
out.append('    init(_ op: StoreOp) {')
out.append('        switch op {')
for o in STORES:
    out.append(f'        case .{o}: self = .{o}')
out.append('        }')
out.append('    }')
out.append('}')
open('Sources/WasmInterpreter/Op.swift', 'w').write('import WasmBinary\n\n' + '\n'.join(out[0:1]) + '\n' + '\n'.join(out[1:]) + '\n')

cases = []
ind = ' ' * 16
for name, (t, rt, e, arity) in N.items():
    if name in NOOP or name in ROUND:
        continue
    x = RD[t].format(r='b')
    lines = [f'{ind}case .{name}:']
    lines.append(f'{ind}    let x = {x}')
    if arity == 2:
        lines.append(f'{ind}    let y = {RD[t].format(r="c")}')
    lines.append(f'{ind}    fp[Int(i.a)] = {WR[rt].format(e=e)}')
    lines.append(f'{ind}    pc += 1')
    cases += lines
for name, (t, rt, e, base) in IMM.items():
    cases += [f'{ind}case .{name}:',
              f'{ind}    let x = {RD[t].format(r="b")}',
              f'{ind}    let y = {"UInt32(truncatingIfNeeded: i.imm)" if t == "i32" else "i.imm"}',
              f'{ind}    fp[Int(i.a)] = {WR[rt].format(e=e)}',
              f'{ind}    pc += 1']
for name, (e, y) in ADDBR.items():
    cases += [f'{ind}case .{name}:',
              f'{ind}    let r = UInt32(truncatingIfNeeded: fp[Int(i.b)]) &+ UInt32(bitPattern: Int32(Int16(bitPattern: i.x)))',
              f'{ind}    fp[Int(i.a)] = UInt64(r)',
              f'{ind}    let y = {y}',
              f'{ind}    pc += {e} ? Int(Int64(bitPattern: i.imm)) : 1']
for name, (T, w, conv) in LOADS.items():
    cases += [f'{ind}case .{name}:',
              f'{ind}    let address = fp[Int(i.b)]',
              f'{ind}    let end = address &+ i.imm',
              f'{ind}    if end > memorySize || end < address {{ throw Trap.outOfBoundsMemory() }}',
              f'{ind}    let v = (memory + Int(bitPattern: UInt(truncatingIfNeeded: end &- {w}))).loadUnaligned(as: {T}.self)',
              f'{ind}    fp[Int(i.a)] = {conv}',
              f'{ind}    pc += 1']
for name, (T, w) in STORES.items():
    cases += [f'{ind}case .{name}:',
              f'{ind}    let address = fp[Int(i.b)]',
              f'{ind}    let end = address &+ i.imm',
              f'{ind}    if end > memorySize || end < address {{ throw Trap.outOfBoundsMemory() }}',
              f'{ind}    (memory + Int(bitPattern: UInt(truncatingIfNeeded: end &- {w}))).store({T}(truncatingIfNeeded: fp[Int(i.c)]))',
              f'{ind}    pc += 1']
cases += [f'{ind}case .floatRound:', f'{ind}    fp[Int(i.a)] = Numerics.round(fp[Int(i.b)], code: i.x)',
          f'{ind}    pc += 1']
for name, cmp in GBR.items():
    cases += [f'{ind}case .{name}:',
              f'{ind}    let g = ' + CELL.format('UInt64(i.b) | UInt64(i.c) &<< 32'),
              f'{ind}    pc += UInt32(truncatingIfNeeded: g) {cmp} i.a ? Int(Int64(bitPattern: i.imm)) : 1']
for name, body in GLOBAL_STRAIGHT.items():
    cases += [f'{ind}case .{name}:'] + [f'{ind}    {l}' for l in body] + [f'{ind}    pc += 1']
path = 'Sources/WasmInterpreter/Interpreter+Run.swift'
src = open(path).read()
begin = '                // BEGIN GENERATED CASES\n'
endm = '                // END GENERATED CASES\n'
# Every copy of the dispatch switch (see Interpreter+Run.swift) gets the cases.
pos = 0
while True:
    try:
        a = src.index(begin, pos) + len(begin)
    except ValueError:
        break
    z = src.index(endm, a)
    src = src[:a] + '\n'.join(cases) + '\n' + src[z:]
    pos = src.index(endm, a) + len(endm)
open(path, 'w').write(src)

# Width of each load/store, for the translator.
print('ok', len(ops), 'ops')
