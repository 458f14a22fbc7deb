/// The architectural state of one RV64 hart: the 32 integer registers and the pc.
public struct GuestCPU: Equatable, Sendable {
    /// `x0`...`x31`; `x0` always reads 0.
    public var registers: [UInt64]
    /// Address of the next instruction to execute.
    public var pc: UInt64

    /// A hart about to execute `pc` with all registers zero.
    public init(pc: UInt64) {
        self.registers = Array(repeating: 0, count: 32)
        self.pc = pc
    }

    /// Register `index` (`x0` reads 0).
    public subscript(index: Int) -> UInt64 {
        get { index == 0 ? 0 : registers[index] }
        set { if index != 0 { registers[index] = newValue } }
    }
}

/// How a guest program's run ended.
public struct GuestExit: Equatable, Sendable {
    /// The process exit status as a shell sees it (`code & 0xff`).
    public var code: Int
    /// Instructions retired by all harts, `ecall`s included.
    public var instructions: UInt64
}
