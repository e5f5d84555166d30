;; Network round-trip time to the probe peer through the granted host
;; function. One untimed warm-up (connection setup), then the mean of `count`
;; round trips. run(count, payloadBytes) -> microseconds (lower is better).
(module
  (import "vboom" "net_rtt_us" (func $rtt (param i32) (result f64)))
  (func (export "run") (param $count f64) (param $payloadBytes f64) (result f64)
    (local $n i32) (local $i i32) (local $payload i32) (local $sum f64)
    (local.set $n (i32.trunc_sat_f64_u (local.get $count)))
    (local.set $payload (i32.trunc_sat_f64_u (local.get $payloadBytes)))
    (if (i32.eqz (local.get $n)) (then unreachable))
    (drop (call $rtt (local.get $payload)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (f64.add (local.get $sum) (call $rtt (local.get $payload))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.div (local.get $sum) (f64.convert_i32_u (local.get $n)))))
