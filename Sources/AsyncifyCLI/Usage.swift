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
          instrument <in.wasm> -o <out.wasm> [--imports env.a,env.b*] ...
                                   the Asyncify pass (Binaryen's --asyncify, same ABI)
          print <file.wasm>        print a module in the text format (WAT)
          run <file.wasm> [--invoke NAME] [i32:1 i64:30 f64:2.5 ...]
                                   run an export on the interpreter and print its results
          run <program.wasm> [-- ARGS...]
                                   run a WASI / emcc -sASYNCIFY program on the Asyncify host
          bench-interp [--runs N]  time the interpreter against `wasmkit run` (build with -c release)
          tb <compile|print|run|bench|check|emit|interp> <file.tb> ...
                                   the TB code generator and runtime (`asyncify tb` for details)
        """

    /// The commands, for "did you mean" hints.
    static let commands = ["spec", "validate", "instrument", "print", "run", "bench-interp", "tb"]

    /// `asyncify help` / `--help` / `-h`: the usage on standard output, exit
    /// status 0. No command or an unknown one: the usage on standard error,
    /// exit status 2.
    static func main(_ arguments: [String]) -> Int32 {
        if let first = arguments.first, ["help", "--help", "-h"].contains(first) {
            print(text + "\n\n`asyncify <command> --help` describes one command.")
            return 0
        }
        if let first = arguments.first {
            let hint =
                CommandLineSupport.closest(to: first, in: commands).map { " (did you mean \"\($0)\"?)" } ?? ""
            FileHandle.standardError.write(Data("asyncify: unknown command \"\(first)\"\(hint)\n".utf8))
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return 2
    }

    /// The usage error for an option `command` does not know, naming the closest
    /// known one; returns exit status 2.
    static func unknownOption(_ option: String, of command: String, known: [String], usage: String) -> Int32 {
        let hint = CommandLineSupport.closest(to: option, in: known).map { " (did you mean \($0)?)" } ?? ""
        return fail("\(command): unknown option \(option)\(hint)\n\(usage)")
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
