import WasmInterpreter

/// A function import written in Swift for a module run by ``AsyncifyInstance``.
///
/// Its type is the one the module declares for `module.name`. An import that
/// may suspend (call ``AsyncifyInstance/handleSleep(_:)``) must be declared
/// async, exactly as Emscripten needs it in `ASYNCIFY_IMPORTS` and Binaryen in
/// `asyncify-imports`; a synchronous import that changes the Asyncify state
/// fails with ``AsyncifyHostError/Reason-swift.enum/importChangedState``.
public struct HostImport {
    /// The import's module name, e.g. `env`.
    public var module: String
    /// The import's field name, e.g. `yield_value`.
    public var name: String
    /// Whether the import may unwind the stack (suspend).
    public var isAsync: Bool
    /// The body: reads arguments from and writes results into `slots`.
    public var body: (AsyncifyInstance, HostSlots) throws -> Void

    /// Creates an import.
    public init(
        module: String = "env", name: String, isAsync: Bool = false,
        body: @escaping (AsyncifyInstance, HostSlots) throws -> Void
    ) {
        self.module = module
        self.name = name
        self.isAsync = isAsync
        self.body = body
    }
}
