;; Network bandwidth to the probe peer through the granted host function
;; net_send_us(bytes): microseconds to deliver `bytes` to the peer and get its
;; acknowledgement. One untimed warm-up transfer (connection setup, TCP slow
;; start, muxer window growth), then `count` transfers of `transferBytes`.
;; run(warmupBytes, transferBytes, count) -> Mbit/s (higher is better):
;; bits / microseconds = 10^6 bits per second.
(module
  (import "vboom" "net_send_us" (func $send (param i32) (result f64)))
  (func (export "run") (param $warmupBytes f64) (param $transferBytes f64) (param $count f64) (result f64)
    (local $n i32) (local $i i32) (local $bytes i32) (local $us f64)
    (local.set $n (i32.trunc_sat_f64_u (local.get $count)))
    (local.set $bytes (i32.trunc_sat_f64_u (local.get $transferBytes)))
    (if (i32.or (i32.eqz (local.get $n)) (i32.eqz (local.get $bytes))) (then unreachable))
    (drop (call $send (i32.trunc_sat_f64_u (local.get $warmupBytes))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $us (f64.add (local.get $us) (call $send (local.get $bytes))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; A zero total (a host that answers instantly) would divide to infinity: trap instead.
    (if (f64.le (local.get $us) (f64.const 0)) (then unreachable))
    (f64.div
      (f64.mul (f64.mul (f64.convert_i32_u (local.get $bytes)) (f64.convert_i32_u (local.get $n))) (f64.const 8))
      (local.get $us))))
