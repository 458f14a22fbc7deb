// Asyncify: Emscripten's fibers for Swift, done the Asyncify way on one thread.
//
// THE PROTOCOL (mirrors Binaryen's Asyncify pass and Emscripten's JS glue; see
// docs/Asyncify.md and docs/Fibers.md). Everything in this module implements exactly this.
//
// States. One small integer per runtime (`AsyncifyState`):
//   0 normal     - code runs as usual;
//   1 unwinding  - a callee asked to suspend: every participating frame, as its
//                  call returns, saves its live values and returns at once;
//   2 rewinding  - an export is being re-entered: every participating frame
//                  pops its values and jumps straight to the interrupted call.
// Legal transitions (anything else throws `FiberError.invalidStateTransition`):
//   start unwind  normal    -> unwinding   (swap / handleSleep in state normal)
//   stop unwind   unwinding -> normal      (export call stack became empty)
//   start rewind  normal    -> rewinding   (trampoline / wakeUp re-enters)
//   stop rewind   rewinding -> normal      (the suspending call is re-reached)
//
// Data buffer (`AsyncifyDataStack`). A header (position, end) followed by a
// stack area [start, end). The stack grows upward and is strictly LIFO. Every
// push checks capacity first and throws `FiberError.asyncifyStackOverflow`
// (naming the fiber and the bytes needed) instead of writing past `end`.
// After a complete rewind the position is back where the unwind started.
//
// Frame layout. `[Int32 call-site index][saved values]`, unaligned: the saved
// values are one bitwise-copyable value or tuple, `MemoryLayout<T>.size` bytes
// (a single Int: 4 + 8 = 12 bytes a frame). Unwinding writes the call-site
// index, then the values; the innermost frame is written first (lowest
// address). Rewinding pops the values (they sit on top), then the index.
//
// A participating Swift function (`AsyncifyFrame`):
//   var frame = cx.enter()                       // on entry
//   if frame.isRewinding { x = try frame.restore() }  // pop values + call site
//   if frame.isNormal { ...code before the call... }  // not re-run on rewind
//   if frame.calls(1) {                           // normal, or resuming at 1
//       try callee(cx)                            // call site 1
//       if try frame.unwinding(at: 1, saving: x) { return }  // push + return
//   }
//
// Host side (Emscripten's `Asyncify` object, `FiberRuntime`):
//   * every export call is wrapped: push its id on the export call stack, call
//     it, pop it, then "maybe stop unwind": if unwinding and the stack is now
//     empty, stop the unwind (state normal) and run the trampoline;
//   * when an unwind starts, the bottom export of the call stack is recorded
//     in the data header as the rewind id; rewinding re-calls that export.
//   * handleSleep: in state normal, run the starter; a synchronous wake-up
//     value is returned directly, otherwise start an unwind into the sleep
//     buffer. `wakeUp(with:)` later starts the rewind; the re-entered call,
//     in state rewinding, stops the rewind and returns the value.
//
// Fibers (emscripten/fiber.h, `FiberRecord`): C stack base, limit, saved
// pointer, entry, user data, then the Asyncify header (position, end, rewind
// id). The C stack fields are simulated integers: Swift needs no C stack.
//   * swap(old, new) in state normal: start unwinding into old's area, record
//     the rewind id, save the C stack pointer into old, next fiber = new,
//     return. Re-entered in state rewinding: stop the rewind and return.
//   * trampoline: unless already running, loop { take the next fiber; finish
//     the switch into it } while a next fiber is set. Finishing a switch sets
//     the C stack fields from the fiber; a fresh fiber has its entry cleared
//     and called with its user data; a suspended one gets state rewinding on
//     its area and its recorded export called again. The host stack depth
//     stays bounded however many switches happen.
//   * defined where Emscripten is not: swapping into a finished, running,
//     uninitialised or foreign fiber, an entry that returns, a swap outside
//     any export, a second sleep in flight: each is a typed `FiberError`,
//     and the other fibers stay usable.
