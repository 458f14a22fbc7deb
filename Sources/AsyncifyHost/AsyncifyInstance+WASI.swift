import WasmInterpreter

// The WASI calls (wasi_snapshot_preview1) a standalone Emscripten program
// imports for printf, malloc, exit and its arguments. No files: descriptors
// 1 and 2 are the output, everything else is EBADF.
extension AsyncifyInstance {
    static let errnoSuccess: UInt32 = 0
    static let errnoBadf: UInt32 = 8
    static let errnoInval: UInt32 = 28
    static let errnoSpipe: UInt32 = 70

    func wasiImport(_ name: String) -> ((HostSlots) throws -> Void)? {
        switch name {
        case "proc_exit":
            return { s in throw ProgramExit(code: Int32(bitPattern: s.i32(0))) }
        case "fd_write":
            return { [unowned self] s in s.setI32(0, try fdWrite(s.i32(0), s.i32(1), s.i32(2), s.i32(3))) }
        case "fd_close", "fd_fdstat_get", "fd_read":
            return { [unowned self] s in
                let fd = s.i32(0)
                if name == "fd_fdstat_get", fd <= 2 {
                    // filetype character device, no flags, all rights.
                    let p = UInt64(s.i32(1))
                    try memory.write([UInt8](repeating: 0, count: 24), at: p)
                    try memory.store(UInt8(2), at: p)
                    try memory.store(UInt64.max, at: p + 8)
                    try memory.store(UInt64.max, at: p + 16)
                    s.setI32(0, Self.errnoSuccess)
                } else if name == "fd_read", fd == 0 {
                    try memory.store(UInt32(0), at: UInt64(s.i32(3)))  // end of input
                    s.setI32(0, Self.errnoSuccess)
                } else {
                    s.setI32(0, Self.errnoBadf)
                }
            }
        case "fd_seek":
            return { s in s.setI32(0, s.i32(0) <= 2 ? Self.errnoSpipe : Self.errnoBadf) }
        case "args_sizes_get":
            return { [unowned self] s in s.setI32(0, try stringsSizes(options.arguments, s.i32(0), s.i32(1)))
            }
        case "args_get":
            return { [unowned self] s in s.setI32(0, try stringsGet(options.arguments, s.i32(0), s.i32(1))) }
        case "environ_sizes_get":
            return { [unowned self] s in
                s.setI32(0, try stringsSizes(options.environment, s.i32(0), s.i32(1)))
            }
        case "environ_get":
            return { [unowned self] s in s.setI32(0, try stringsGet(options.environment, s.i32(0), s.i32(1)))
            }
        case "clock_time_get":
            // Simulated time, in nanoseconds: programs see the same clock as emscripten_sleep.
            return { [unowned self] s in
                try memory.store(currentTime &* 1_000_000, at: UInt64(s.i32(2)))
                s.setI32(0, Self.errnoSuccess)
            }
        case "random_get":
            return { [unowned self] s in
                var state: UInt64 = 0x9E37_79B9_7F4A_7C15
                let bytes = (0..<Int(s.i32(1))).map { _ -> UInt8 in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return UInt8(truncatingIfNeeded: state >> 56)
                }
                try memory.write(bytes, at: UInt64(s.i32(0)))
                s.setI32(0, Self.errnoSuccess)
            }
        default:
            return nil
        }
    }

    /// `fd_write(fd, iovs, iovsLen, nwritten)`: gathers the buffers and hands them to the output.
    func fdWrite(_ fd: UInt32, _ iovs: UInt32, _ count: UInt32, _ written: UInt32) throws -> UInt32 {
        guard fd == 1 || fd == 2 else { return Self.errnoBadf }
        var bytes: [UInt8] = []
        for k in 0..<UInt64(count) {
            let entry = UInt64(iovs) + 8 * k
            let base = UInt64(try memory.load(UInt32.self, at: entry))
            let length = Int(try memory.load(UInt32.self, at: entry + 4))
            bytes += try memory.read(at: base, count: length)
        }
        try memory.store(UInt32(truncatingIfNeeded: bytes.count), at: UInt64(written))
        if !bytes.isEmpty { options.output(Int32(fd), bytes) }
        return Self.errnoSuccess
    }

    func stringsSizes(_ strings: [String], _ countPointer: UInt32, _ sizePointer: UInt32) throws -> UInt32 {
        try memory.store(UInt32(strings.count), at: UInt64(countPointer))
        try memory.store(UInt32(strings.reduce(0) { $0 + $1.utf8.count + 1 }), at: UInt64(sizePointer))
        return Self.errnoSuccess
    }

    func stringsGet(_ strings: [String], _ pointers: UInt32, _ buffer: UInt32) throws -> UInt32 {
        var offset = UInt64(buffer)
        for (k, string) in strings.enumerated() {
            try memory.store(UInt32(truncatingIfNeeded: offset), at: UInt64(pointers) + 4 * UInt64(k))
            let bytes = Array(string.utf8) + [0]
            try memory.write(bytes, at: offset)
            offset += UInt64(bytes.count)
        }
        return Self.errnoSuccess
    }
}
