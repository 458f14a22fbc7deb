import WasmInterpreter

extension AsyncifyInstance {
    /// Runs the program: calls `_start` through the export wrapper, then
    /// pending timers (sleeps) on simulated time until none is left.
    ///
    /// - Returns: the code passed to `proc_exit`, or 0 if `_start` returned.
    /// - Throws: ``AsyncifyHostError`` for misuse or an Asyncify stack
    ///   overflow, `Trap` if the program trapped; the instance is reset and
    ///   can be called again.
    public func runStart() throws -> Int32 {
        do {
            try call("_start")
            try runPendingTimers()
            return 0
        } catch let exit as ProgramExit {
            abortReset()
            hot.pointee.exportCallStack.removeAll()
            return exit.code
        } catch {
            abortReset()
            hot.pointee.exportCallStack.removeAll()
            throw error
        }
    }
}
