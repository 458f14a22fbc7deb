import WasmInterpreter

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AsyncifyInstance {
    /// The built-in body for `module.name`, or nil if the host provides none.
    /// (`env.emscripten_fiber_swap`, the hot one, is linked in `init` through
    /// ``swapImport(_:is64:)``.)
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
                try fiberInitFromCurrentContext(
                    pointer(s, 0), asyncStack: pointer(s, 1), asyncStackSize: pointer(s, 2))
            }
        case ("env", "emscripten_sleep"):
            return { [unowned self] s in try emscriptenSleep(UInt64(s.i32(0))) }
        // What emcc's libc imports from JS when it is not fully standalone.
        case ("env", "exit"):
            return { s in throw ProgramExit(code: Int32(bitPattern: s.i32(0))) }
        case ("env", "emscripten_memcpy_big"):
            return { [unowned self] s in
                let (destination, source, count) = (pointer(s, 0), pointer(s, 1), pointer(s, 2))
                let memory = try memory
                guard destination &+ count >= destination, source &+ count >= source,
                    destination + count <= memory.byteCount, source + count <= memory.byteCount
                else { throw Trap(.outOfBoundsMemoryAccess) }
                memory.withUnsafeMutableBytes { bytes in
                    guard count > 0, let base = bytes.baseAddress else { return }
                    memmove(base + Int(destination), base + Int(source), Int(count))
                }
                if is64 {
                    s.setI64(0, destination)
                } else {
                    s.setI32(0, UInt32(truncatingIfNeeded: destination))
                }
            }
        case ("env", "emscripten_resize_heap"):
            return { [unowned self] s in
                let memory = try memory
                let requested = pointer(s, 0)
                var grown = requested <= memory.byteCount
                if !grown {
                    let pages = (requested - memory.byteCount + 65535) / 65536
                    grown = memory.grow(by: pages) != nil
                }
                s.setI32(0, grown ? 1 : 0)
            }
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
