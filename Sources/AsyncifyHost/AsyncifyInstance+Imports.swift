import WasmInterpreter

extension AsyncifyInstance {
    /// The built-in body for `module.name`, or nil if the host provides none.
    func builtinImport(module: String, name: String) -> ((HostSlots) throws -> Void)? {
        switch (module, name) {
        case ("env", "emscripten_fiber_init"):
            return { [unowned self] s in
                try fiberInit(
                    pointer(s, 0), entry: pointer(s, 1), userData: pointer(s, 2), cStack: pointer(s, 3),
                    cStackSize: pointer(s, 4), asyncStack: pointer(s, 5), asyncStackSize: pointer(s, 6))
            }
        case ("env", "emscripten_fiber_init_from_current_context"):
            return { [unowned self] s in
                try fiberInitFromCurrentContext(pointer(s, 0), asyncStack: pointer(s, 1), asyncStackSize: pointer(s, 2))
            }
        case ("env", "emscripten_fiber_swap"):
            return { [unowned self] s in try fiberSwap(pointer(s, 0), pointer(s, 1)) }
        case ("env", "emscripten_sleep"):
            return { [unowned self] s in try emscriptenSleep(UInt64(s.i32(0))) }
        case ("wasi_snapshot_preview1", _):
            return wasiImport(name)
        default:
            return nil
        }
    }

    /// Argument `index` as a pointer or size of the memory's address width.
    func pointer(_ slots: HostSlots, _ index: Int) -> UInt64 {
        is64 ? slots.i64(index) : UInt64(slots.i32(index))
    }
}
