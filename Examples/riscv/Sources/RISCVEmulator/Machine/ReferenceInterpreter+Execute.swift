extension ReferenceInterpreter {
    /// Runs `cpu` until it reaches an `ecall` (left unexecuted at `cpu.pc`, for
    /// the caller to service) or has retired `budget` instructions.
    ///
    /// The hot loop keeps the registers, pc and every table it needs in locals:
    /// no class property access, no bounds-checked arrays.
    func execute(_ cpu: inout GuestCPU, hart: Int, budget: UInt64) throws(GuestFault)
        -> (count: UInt64, stoppedAtSystemCall: Bool)
    {
        let memoryBytes = memory.bytes
        let memoryBase = memory.baseAddress
        let memorySize = UInt64(memory.size)
        let code = decodedCode
        let codeStart = code.start
        let codeBytes = code.byteCount
        let cache = code.instructions
        let isDecoded = code.isDecoded

        let x = UnsafeMutablePointer<UInt64>.allocate(capacity: 32)
        x.initialize(repeating: 0, count: 32)
        for index in 1..<32 { x[index] = cpu.registers[index] }
        var pc = cpu.pc
        var count: UInt64 = 0
        defer {
            for index in 1..<32 { cpu.registers[index] = x[index] }
            cpu.pc = pc
            x.deallocate()
        }

        /// Offset of an access in guest memory, or a fault.
        @inline(__always)
        func offset(_ address: UInt64, _ size: UInt64, _ kind: GuestFault.AccessKind) throws(GuestFault)
            -> Int
        {
            let offset = address &- memoryBase
            guard offset < memorySize, memorySize &- offset >= size else {
                throw .memoryAccess(address: address, size: Int(size), kind: kind, pc: pc, hart: hart)
            }
            return Int(offset)
        }

        while count < budget {
            let relative = pc &- codeStart
            guard pc & 3 == 0 else { throw .misalignedFetch(pc: pc, hart: hart) }
            guard relative < codeBytes else {
                throw .memoryAccess(address: pc, size: 4, kind: .fetch, pc: pc, hart: hart)
            }
            let slot = Int(relative >> 2)
            if isDecoded[slot] == 0 {
                let word = UInt32(
                    littleEndian: memoryBytes.loadUnaligned(
                        fromByteOffset: try offset(pc, 4, .fetch), as: UInt32.self))
                do {
                    cache[slot] = try Instruction(decoding: word)
                } catch {
                    throw .illegalInstruction(error, pc: pc, hart: hart)
                }
                isDecoded[slot] = 1
            }
            let instruction = cache[slot]
            let a = x[Int(instruction.rs1)]
            let b = x[Int(instruction.rs2)]
            let imm = UInt64(bitPattern: instruction.imm)
            var next = pc &+ 4
            let result: UInt64

            switch instruction.opcode {
            case .lui: result = imm
            case .auipc: result = pc &+ imm
            case .jal:
                result = next
                next = pc &+ imm
            case .jalr:
                result = next
                next = (a &+ imm) & ~1
            case .beq:
                result = 0
                if a == b { next = pc &+ imm }
            case .bne:
                result = 0
                if a != b { next = pc &+ imm }
            case .blt:
                result = 0
                if Int64(bitPattern: a) < Int64(bitPattern: b) { next = pc &+ imm }
            case .bge:
                result = 0
                if Int64(bitPattern: a) >= Int64(bitPattern: b) { next = pc &+ imm }
            case .bltu:
                result = 0
                if a < b { next = pc &+ imm }
            case .bgeu:
                result = 0
                if a >= b { next = pc &+ imm }
            case .lb:
                let at = try offset(a &+ imm, 1, .load)
                result = UInt64(bitPattern: Int64(memoryBytes.load(fromByteOffset: at, as: Int8.self)))
            case .lh:
                let at = try offset(a &+ imm, 2, .load)
                let value = Int16(littleEndian: memoryBytes.loadUnaligned(fromByteOffset: at, as: Int16.self))
                result = UInt64(bitPattern: Int64(value))
            case .lw:
                let at = try offset(a &+ imm, 4, .load)
                let value = Int32(littleEndian: memoryBytes.loadUnaligned(fromByteOffset: at, as: Int32.self))
                result = UInt64(bitPattern: Int64(value))
            case .ld:
                let at = try offset(a &+ imm, 8, .load)
                result = UInt64(littleEndian: memoryBytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            case .lbu:
                let at = try offset(a &+ imm, 1, .load)
                result = UInt64(memoryBytes.load(fromByteOffset: at, as: UInt8.self))
            case .lhu:
                let at = try offset(a &+ imm, 2, .load)
                result = UInt64(
                    UInt16(littleEndian: memoryBytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            case .lwu:
                let at = try offset(a &+ imm, 4, .load)
                result = UInt64(
                    UInt32(littleEndian: memoryBytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            case .sb, .sh, .sw, .sd:
                let size: UInt64
                switch instruction.opcode {
                case .sb: size = 1
                case .sh: size = 2
                case .sw: size = 4
                default: size = 8
                }
                let address = a &+ imm
                let at = try offset(address, size, .store)
                switch size {
                case 1:
                    memoryBytes.storeBytes(of: UInt8(truncatingIfNeeded: b), toByteOffset: at, as: UInt8.self)
                case 2:
                    memoryBytes.storeBytes(
                        of: UInt16(truncatingIfNeeded: b).littleEndian, toByteOffset: at, as: UInt16.self)
                case 4:
                    memoryBytes.storeBytes(
                        of: UInt32(truncatingIfNeeded: b).littleEndian, toByteOffset: at, as: UInt32.self)
                default: memoryBytes.storeBytes(of: b.littleEndian, toByteOffset: at, as: UInt64.self)
                }
                // A store into code drops the decoded words it touched.
                let first = address &- codeStart
                let last = first &+ size &- 1
                if first < codeBytes || last < codeBytes {
                    var word = first < codeBytes ? first >> 2 : 0
                    while word <= last >> 2, word < codeBytes >> 2 {
                        isDecoded[Int(word)] = 0
                        word += 1
                    }
                }
                result = 0
            case .addi: result = a &+ imm
            case .slti: result = Int64(bitPattern: a) < instruction.imm ? 1 : 0
            case .sltiu: result = a < imm ? 1 : 0
            case .xori: result = a ^ imm
            case .ori: result = a | imm
            case .andi: result = a & imm
            case .slli: result = a &<< imm
            case .srli: result = a &>> imm
            case .srai: result = UInt64(bitPattern: Int64(bitPattern: a) &>> instruction.imm)
            case .add: result = a &+ b
            case .sub: result = a &- b
            case .sll: result = a &<< (b & 63)
            case .slt: result = Int64(bitPattern: a) < Int64(bitPattern: b) ? 1 : 0
            case .sltu: result = a < b ? 1 : 0
            case .xor: result = a ^ b
            case .srl: result = a &>> (b & 63)
            case .sra: result = UInt64(bitPattern: Int64(bitPattern: a) &>> Int64(b & 63))
            case .or: result = a | b
            case .and: result = a & b
            case .fence: result = 0
            case .fenceI:
                code.invalidateAll()
                result = 0
            case .ecall:
                return (count, true)
            case .ebreak:
                throw .breakpoint(pc: pc, hart: hart)
            case .addiw: result = signExtend(UInt32(truncatingIfNeeded: a &+ imm))
            case .slliw: result = signExtend(UInt32(truncatingIfNeeded: a) &<< UInt32(imm & 31))
            case .srliw: result = signExtend(UInt32(truncatingIfNeeded: a) &>> UInt32(imm & 31))
            case .sraiw:
                result = signExtend(UInt32(bitPattern: Int32(truncatingIfNeeded: a) &>> Int32(imm & 31)))
            case .addw: result = signExtend(UInt32(truncatingIfNeeded: a &+ b))
            case .subw: result = signExtend(UInt32(truncatingIfNeeded: a &- b))
            case .sllw: result = signExtend(UInt32(truncatingIfNeeded: a) &<< UInt32(b & 31))
            case .srlw: result = signExtend(UInt32(truncatingIfNeeded: a) &>> UInt32(b & 31))
            case .sraw:
                result = signExtend(UInt32(bitPattern: Int32(truncatingIfNeeded: a) &>> Int32(b & 31)))
            case .mul: result = a &* b
            case .mulh:
                result = UInt64(
                    bitPattern: Int64(bitPattern: a).multipliedFullWidth(by: Int64(bitPattern: b)).high)
            case .mulhsu:
                // (a - 2^64 [a < 0]) * b = a_unsigned * b - 2^64 * b [a < 0]
                let high = a.multipliedFullWidth(by: b).high
                result = Int64(bitPattern: a) < 0 ? high &- b : high
            case .mulhu: result = a.multipliedFullWidth(by: b).high
            case .div, .rem, .divu, .remu, .divw, .remw, .divuw, .remuw:
                result = divide(instruction.opcode, a, b)
            case .mulw: result = signExtend(UInt32(truncatingIfNeeded: a) &* UInt32(truncatingIfNeeded: b))
            }
            x[Int(instruction.rd)] = result
            x[0] = 0
            pc = next
            count &+= 1
        }
        return (count, false)
    }
}

/// The low 32 bits of a value, sign-extended to 64 (the `*W` result rule).
@inline(__always)
func signExtend(_ value: UInt32) -> UInt64 {
    UInt64(bitPattern: Int64(Int32(bitPattern: value)))
}

/// RISC-V division never traps: dividing by zero gives all ones (quotient) or
/// the dividend (remainder); signed overflow gives the dividend and 0.
func divide(_ opcode: Opcode, _ a: UInt64, _ b: UInt64) -> UInt64 {
    switch opcode {
    case .div:
        let (x, y) = (Int64(bitPattern: a), Int64(bitPattern: b))
        if y == 0 { return ~0 }
        if x == .min && y == -1 { return a }
        return UInt64(bitPattern: x / y)
    case .rem:
        let (x, y) = (Int64(bitPattern: a), Int64(bitPattern: b))
        if y == 0 { return a }
        if x == .min && y == -1 { return 0 }
        return UInt64(bitPattern: x % y)
    case .divu: return b == 0 ? ~0 : a / b
    case .remu: return b == 0 ? a : a % b
    case .divw:
        let (x, y) = (Int32(truncatingIfNeeded: a), Int32(truncatingIfNeeded: b))
        if y == 0 { return ~0 }
        if x == .min && y == -1 { return signExtend(UInt32(bitPattern: x)) }
        return signExtend(UInt32(bitPattern: x / y))
    case .remw:
        let (x, y) = (Int32(truncatingIfNeeded: a), Int32(truncatingIfNeeded: b))
        if y == 0 { return signExtend(UInt32(bitPattern: x)) }
        if x == .min && y == -1 { return 0 }
        return signExtend(UInt32(bitPattern: x % y))
    case .divuw:
        let (x, y) = (UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b))
        return signExtend(y == 0 ? ~0 : x / y)
    case .remuw:
        let (x, y) = (UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b))
        return signExtend(y == 0 ? x : x % y)
    default:
        return 0
    }
}
