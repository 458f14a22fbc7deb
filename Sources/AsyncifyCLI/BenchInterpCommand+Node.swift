// The node (V8) column of `asyncify bench-interp`: each run is a fresh node
// process (V8 caches compiled code for identical bytes within a process,
// which would hide compile time from later runs) that reads the module,
// compiles, instantiates and calls the kernel, timing exactly that span with
// process.cpuUsage() (user + system CPU of the process, as our columns
// use), and prints the time and the result in our `TYPE:VALUE` form.

import Foundation

extension BenchInterpCommand {
    /// The driver node runs: `node driver.js MODULE FUNCTION [TYPE:VALUE ...]`.
    static let nodeDriver = #"""
        'use strict';
        const fs = require('fs');
        const [path, name, ...args] = process.argv.slice(2);
        const bytes = fs.readFileSync(path);
        const params = args.map((a) => {
          const [type, literal] = a.split(':');
          return type === 'i64' ? BigInt(literal) : Number(literal);
        });
        let memory = null;
        let view = null;
        // The same import our benchmark provides in Swift: two i32 stores, result 0.
        const imports = {
          wasi_snapshot_preview1: {
            args_sizes_get(argc, size) {
              if (view === null || view.buffer !== memory.buffer) view = new DataView(memory.buffer);
              view.setUint32(argc, 1, true);
              view.setUint32(size, 8, true);
              return 0;
            },
          },
        };
        const start = process.cpuUsage();
        const compiled = new WebAssembly.Module(bytes);
        const instance = new WebAssembly.Instance(compiled, imports);
        memory = instance.exports.memory || null;
        const result = instance.exports[name](...params);
        const used = process.cpuUsage(start);
        const results = result === undefined ? [] : Array.isArray(result) ? result : [result];
        const text = results.map((r) => typeof r === 'bigint'
          ? 'i64:' + BigInt.asUintN(64, r).toString()
          : 'i32:' + (r >>> 0).toString());
        console.log(String(used.user + used.system));
        console.log(text.join(' '));
        """#

    /// The `node` executable on PATH, if any.
    static func findNode() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/node"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Writes the driver to a temporary file and returns its path.
    static func writeNodeDriver() throws -> String {
        let path = NSTemporaryDirectory() + "asyncify-bench-interp-\(getpid()).cjs"
        try Data(nodeDriver.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// One node run: the CPU time of compile + instantiate + call, and the result.
    static func runNode(
        _ node: String, driver: String, _ path: String, _ function: String, _ arguments: [String]
    )
        throws -> (Duration, String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        // Node 20 tries to reach the network for fetch support unless told not to.
        process.arguments = ["--no-experimental-fetch", driver, path, function] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        guard process.terminationStatus == 0, lines.count >= 2, let micro = Int64(lines[0]) else {
            throw CommandLineSupport.Failure(
                .toolFailed, "node \(path) \(function) exited with \(process.terminationStatus)")
        }
        return (.microseconds(micro), String(lines[1]))
    }
}
