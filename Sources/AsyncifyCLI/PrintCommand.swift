// `asyncify print <file.wasm>`: prints a module in the text format.

import Foundation
import WasmBinary

enum PrintCommand {
    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 1, let path = arguments.first, !path.hasPrefix("-") else {
            return Usage.fail("usage: asyncify print <file.wasm>")
        }
        let bytes: [UInt8]
        do {
            bytes = try CommandLineSupport.readModule(path)
        } catch {
            return Usage.error("print: \(error)")
        }
        let module: Module
        do {
            module = try Module(decoding: bytes)
        } catch {
            return Usage.error("\(path): \(error)")
        }
        print(WatPrinter.print(module), terminator: "")
        return 0
    }
}
