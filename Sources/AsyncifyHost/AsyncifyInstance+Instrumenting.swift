// Making a module's imports suspendable without wasm-opt: instrument it with
// AsyncifyTransform, then host it as usual.

import AsyncifyTransform
import WasmBinary
import WasmInterpreter

extension AsyncifyInstance {
    /// Instruments `module` for Asyncify in-process and hosts the result, so that the
    /// listed imports may suspend (call ``handleSleep(_:)``) without running `wasm-opt`.
    ///
    /// - Parameters:
    ///   - module: A module *not* yet instrumented.
    ///   - asyncImports: The imports that may unwind, as `module.name` (entries may end in `*`).
    ///     `nil`: every import in `imports` declared `isAsync`, plus `env.emscripten_sleep` and
    ///     `env.emscripten_fiber_swap` if the module imports them.
    ///   - store: The store to instantiate in.
    ///   - imports: Imports written in Swift.
    ///   - options: Host options.
    ///   - transform: Further options of the pass (lists, indirect calls, overflow checks);
    ///     its `asyncImports` is replaced by `asyncImports`.
    /// - Throws: ``AsyncifyTransformError`` if the module cannot be instrumented, otherwise what
    ///   ``init(module:store:imports:options:)`` throws.
    public convenience init(
        instrumenting module: Module, asyncImports: [String]? = nil, store: Store = Store(),
        imports: [HostImport] = [], options: Options = Options(),
        transform: AsyncifyTransform.Options = AsyncifyTransform.Options()
    ) throws {
        var transform = transform
        if let asyncImports {
            transform.asyncImports = asyncImports
        } else {
            let declared = Set(module.imports.map { "\($0.module).\($0.name)" })
            let builtIn = ["env.emscripten_sleep", "env.emscripten_fiber_swap"].filter {
                declared.contains($0)
            }
            transform.asyncImports = imports.filter(\.isAsync).map { "\($0.module).\($0.name)" } + builtIn
        }
        let instrumented = try AsyncifyTransform.instrument(module, options: transform)
        try self.init(module: instrumented, store: store, imports: imports, options: options)
    }
}
