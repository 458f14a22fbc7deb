;; sum(n): adds up n values that the host hands out one at a time through the
;; import env.next_value, which may suspend the module (Asyncify) until the
;; host has the value. The host also sees each running total through
;; env.report, a synchronous import.
(module
  (import "env" "next_value" (func $next_value (result i32)))
  (import "env" "report" (func $report (param i32)))
  (memory (export "memory") 1)
  (func (export "sum") (param $n i32) (result i32)
    (local $total i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $total (i32.add (local.get $total) (call $next_value)))
        (call $report (local.get $total))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $more)))
    (local.get $total)))
