import Foundation
import Testing
import WasmBinary
import WasmInterpreter

/// Inputs the interpreter fuzz target (`scripts/fuzz.sh 60 interp`) found. The
/// original crash inputs are in `Tests/FuzzRegressions/interp/` and seed the
/// fuzzer's corpus; these tests pin the behaviour with small variants.
@Suite struct FuzzRegressionTests {
    static let header: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]

    static func instantiate(_ bytes: [UInt8], _ configuration: Store.Configuration) throws {
        let module = try Module(decoding: header + bytes)
        try Validator.validate(module)
        _ = try Instance(module: module, store: Store(configuration: configuration))
    }

    /// Fuzz input `memory64-min-65537-pages.wasm` (13 bytes: a memory64 of 65,537
    /// initial pages) made a store limited to 16 pages calloc 4 GiB: the initial
    /// size is never checked against `maximumMemoryPages`. A memory whose minimum
    /// exceeds the store's limit must fail to instantiate with an error instead.
    @Test func initialMemoryAboveTheStoreLimitIsRefused() {
        // Memory section: one memory, flags 0 (no maximum), minimum 17 pages.
        let module: [UInt8] = [0x05, 0x03, 0x01, 0x00, 0x11]
        let limits = Store.Configuration(maximumMemoryPages: 16)
        let error = #expect(throws: ResourceLimitError.self) { try Self.instantiate(module, limits) }
        #expect(error?.reason == .memoryAboveLimit)
        #expect(error?.message.contains("maximumMemoryPages") == true)
    }

    /// The same for tables: an initial size above `maximumTableElements` is
    /// allocated and filled element by element (a 20-byte module with minimum
    /// 2^32 - 1 asks for 32 GiB).
    @Test func initialTableAboveTheStoreLimitIsRefused() {
        // Table section: one funcref table, flags 0, minimum 5,000 elements.
        let module: [UInt8] = [0x04, 0x05, 0x01, 0x70, 0x00, 0x88, 0x27]
        let limits = Store.Configuration(maximumTableElements: 4096)
        let error = #expect(throws: ResourceLimitError.self) { try Self.instantiate(module, limits) }
        #expect(error?.reason == .tableAboveLimit)
        #expect(error?.message.contains("maximumTableElements") == true)
    }

    /// A memory64 with 2^48 initial pages validates (the limit is 2^48), and
    /// `Int(min) * 65536` then overflows: the process traps. When a calloc of a
    /// huge (but representable) size fails, the instance keeps a 1-byte buffer
    /// with the full byte count, so later accesses are unchecked. Now both are
    /// refused before allocating.
    @Test func hugeMemory64MinimumIsRefusedNotTrapped() {
        // Memory section: one memory, flags 4 (memory64, no maximum), minimum 2^48.
        let module: [UInt8] = [0x05, 0x09, 0x01, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]
        let limited = #expect(throws: ResourceLimitError.self) {
            try Self.instantiate(module, Store.Configuration())
        }
        #expect(limited?.reason == .memoryAboveLimit)
        // Even a store that allows that many pages refuses rather than overflowing.
        let permissive = Store.Configuration(maximumMemoryPages: UInt64(1) << 48)
        let huge = #expect(throws: ResourceLimitError.self) { try Self.instantiate(module, permissive) }
        #expect(huge?.reason == .allocationFailed)
    }

    /// The committed fuzz input itself (13 bytes: memory64 of 65,537 pages) is
    /// refused by a store limited to 16 pages, and the store stays usable.
    @Test func committedFuzzInputIsRefusedAndTheStoreStaysUsable() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzRegressions/interp/memory64-min-65537-pages.wasm")
        let bytes = try [UInt8](Data(contentsOf: url))
        let store = Store(configuration: Store.Configuration(maximumMemoryPages: 16))
        let module = try Module(decoding: bytes)
        let error = #expect(throws: ResourceLimitError.self) {
            _ = try Instance(module: module, store: store)
        }
        #expect(error?.reason == .memoryAboveLimit)
        // One page, exported as "memory".
        let small = try Module(
            decoding: Self.header + [0x05, 0x03, 0x01, 0x00, 0x01]
                + [0x07, 0x0A, 0x01, 0x06] + Array("memory".utf8) + [0x02, 0x00])
        let instance = try Instance(module: small, store: store)
        #expect(try instance.exportedMemory().pageCount == 1)
    }
}
