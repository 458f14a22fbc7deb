import Asyncify
import TBCodegen

extension TBRuntime {
    /// Runs (or resumes) a TB on TBCodegen's reference interpreter.
    ///
    /// The run stops after any helper call that left the fiber core unwinding;
    /// the op index it stopped at is the TB's suspension point, saved with the
    /// registers in the fiber's frame. On rewind the interpreter resumes there
    /// and calls that helper again (a guest access goes straight to its slow
    /// path, as the Wasm code's block n + 1 does).
    func callInterpretedTB(
        _ cx: FiberContext, cpu: TBCPU, entry: TBCacheEntry, rewinding: Bool, state: inout SuspendedTBState
    ) throws -> UInt64 {
        let program = try interpretedProgram(of: entry)
        var registers = rewinding ? state.registers : loadRegisters(cpu)
        let saved = currentCall
        currentCall = TBHelperCall(fibers: cx, cpu: cpu, pc: entry.tb.pc, memory: tbMemory)
        defer { currentCall = saved }
        let stop: TBInterpreter.Stop
        do {
            stop = try program.run(
                memory: tbMemory, context: cpu.context, registers: &registers,
                resumingAt: rewinding ? Int(truncatingIfNeeded: state.resumePoint) : nil,
                stepLimit: configuration.interpreterStepLimit, suspendsAfterHelper: { cx.isUnwinding })
        } catch let error as TBInterpreterError {
            throw TBRuntimeError(.interpreter(pc: entry.tb.pc, error))
        }
        switch stop {
        case .suspended(let op):
            state.engine = 0
            state.resumePoint = UInt64(op)
            state.registers = registers
            return 0
        case .finished(let result):
            storeRegisters(registers, cpu, mask: entry.registerMask)
            return result
        }
    }
}
