;; Sequential disk throughput through the granted scratch file.
;; run(fileBytes, blockBytes, mode) -> MB/s (10^6 bytes).
;; mode 0: timed durable writes (O_DSYNC, O_DIRECT when the host can).
;; mode 1: the file is written untimed, then read back timed (O_DIRECT when
;; the host can, so the page cache is not measured).
(module
  (import "vboom" "now_us" (func $now (result f64)))
  (import "vboom" "disk_write" (func $write (param i32 i32 f64) (result i32)))
  (import "vboom" "disk_read" (func $read (param i32 i32 f64) (result i32)))
  (import "vboom" "disk_sync" (func $sync (result i32)))
  ;; one 1 MiB block buffer at address 0 (page aligned, so direct I/O applies)
  (memory (export "memory") 16 16)
  (func $pass (param $write i32) (param $file f64) (param $block i32)
    (local $off f64)
    (block $done
      (loop $next
        (br_if $done (f64.ge (local.get $off) (local.get $file)))
        (if (local.get $write)
          (then (if (i32.ne (call $write (i32.const 0) (local.get $block) (local.get $off)) (local.get $block))
            (then unreachable)))
          (else (if (i32.ne (call $read (i32.const 0) (local.get $block) (local.get $off)) (local.get $block))
            (then unreachable))))
        (local.set $off (f64.add (local.get $off) (f64.convert_i32_u (local.get $block))))
        (br $next))))
  (func (export "run") (param $fileBytes f64) (param $blockBytes f64) (param $mode f64) (result f64)
    (local $block i32) (local $t0 f64) (local $elapsed f64)
    (local.set $block (i32.trunc_sat_f64_u (local.get $blockBytes)))
    (if (i32.or (i32.eqz (local.get $block)) (i32.gt_u (local.get $block) (i32.const 1048576)))
      (then unreachable))
    ;; a non-zero pattern, so no layer can treat the blocks as holes
    (memory.fill (i32.const 0) (i32.const 0xa5) (local.get $block))
    (if (f64.ne (local.get $mode) (f64.const 0))
      (then
        (call $pass (i32.const 1) (local.get $fileBytes) (local.get $block))
        (drop (call $sync))))
    (local.set $t0 (call $now))
    (call $pass (f64.eq (local.get $mode) (f64.const 0)) (local.get $fileBytes) (local.get $block))
    (local.set $elapsed (f64.sub (call $now) (local.get $t0)))
    (if (f64.le (local.get $elapsed) (f64.const 0)) (then unreachable))
    (f64.div (local.get $fileBytes) (local.get $elapsed))))
