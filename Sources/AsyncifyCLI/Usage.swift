// `asyncify` without a known command: the list of commands, exit status 2.

import Foundation

enum Usage {
    static let text = """
        usage: asyncify <command> [arguments]

        commands:
          spec [dir] [--verbose]   run every command of a converted spec suite: decode, validate,
                                   instantiate and execute (or of one script: its folder or .json file);
                                   default: $WASM_SPEC_DIR, else ../shared/wasm-spec beside the package
          validate <file.wasm>     decode and validate a module; prints "valid" or the error
          print <file.wasm>        print a module in the text format (WAT)
          run <file.wasm> [--invoke NAME] [i32:1 i64:30 f64:2.5 ...]
                                   run an export on the interpreter and print its results
          bench-interp [--runs N]  time the interpreter against `wasmkit run` (build with -c release)
          tb <compile|print|run|bench|check|emit|interp> <file.tb> ...
                                   the TB code generator and runtime (`asyncify tb` for details)
        """

    /// Prints the usage to standard error; returns exit status 2.
    static func main(_ arguments: [String]) -> Int32 {
        if let first = arguments.first, first != "help", first != "--help", first != "-h" {
            FileHandle.standardError.write(Data("asyncify: unknown command \"\(first)\"\n".utf8))
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return 2
    }

    /// Reports a usage error for one command; returns exit status 2.
    static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("asyncify: \(message)\n".utf8))
        return 2
    }

    /// Reports a runtime error; returns exit status 1.
    static func error(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("asyncify: \(message)\n".utf8))
        return 1
    }
}
