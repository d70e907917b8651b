;; The raw LZ4 block compressor of lz4.ts, in WebAssembly: the same greedy parse, so the same
;; blocks byte for byte (test/producer/wire-lz4-wasm.test.ts compares them), at about twice the
;; speed, because wasm reads 4 and 8 unaligned bytes in one load and keeps every value in a register.
;;
;; Assembled into lz4-block-wasm.ts by `pnpm build:wasm` (scripts/build-lz4-wasm.mjs, wabt); a test
;; checks that the committed bytes are what this file assembles to.
;;
;; Memory (owned by lz4-wasm.ts, which grows it): [0, 262144) the hash table, 65536 i32 entries of
;; position + base (see lz4-position-base.ts: a new call raises base past every stored value, so
;; stale entries read as negative positions and the table is never cleared between calls); then
;; the input; then the output, with room beyond the worst case for the 8-byte literal copy.
;;
;; Helpers are written inline rather than called: V8 (Node 20) does not inline wasm calls, and
;; with the hash and the literal copy as functions this ran at about 70 % of its speed.
(module
  (memory (export "memory") 5)

  ;; compress(src, n, dst, base) -> length of the block written at dst
  (func (export "compress") (param $src i32) (param $n i32) (param $dst i32) (param $base i32) (result i32)
    (local $op i32) (local $anchor i32) (local $ip i32) (local $ref i32) (local $seq i32)
    (local $slot i32) (local $misses i32) (local $end i32) (local $r i32) (local $diff i64)
    (local $mfLimit i32) (local $matchLimit i32) (local $lit i32) (local $matchLen i32)
    (local $tokenPos i32) (local $token i32) (local $rest i32) (local $from i32) (local $to i32)
    (local.set $op (local.get $dst))
    (if (i32.gt_s (local.get $n) (i32.const 12))
      (then
        ;; A match may not start within the last 12 bytes; the last 5 bytes are always literals.
        (local.set $mfLimit (i32.sub (local.get $n) (i32.const 12)))
        (local.set $matchLimit (i32.sub (local.get $n) (i32.const 5)))
        (block $scanned
          (loop $scan
            (br_if $scanned (i32.ge_s (local.get $ip) (local.get $mfLimit)))
            (local.set $seq (i32.load (i32.add (local.get $src) (local.get $ip))))
            ;; Knuth's multiplicative hash of the 4 bytes, top 16 bits, as a byte offset.
            (local.set $slot (i32.shl
              (i32.shr_u (i32.mul (local.get $seq) (i32.const -1640531535)) (i32.const 16))
              (i32.const 2)))
            (local.set $ref (i32.sub (i32.load (local.get $slot)) (local.get $base)))
            (i32.store (local.get $slot) (i32.add (local.get $ip) (local.get $base)))
            ;; wasm's `or` evaluates both sides, so a stale or too distant candidate is pointed at
            ;; the current position with the complemented bytes, which cannot match.
            (if (i32.or (i32.lt_s (local.get $ref) (i32.const 0))
                        (i32.gt_s (i32.sub (local.get $ip) (local.get $ref)) (i32.const 65535)))
              (then
                (local.set $ref (local.get $ip))
                (local.set $seq (i32.xor (local.get $seq) (i32.const -1)))))
            (if (i32.ne (i32.load (i32.add (local.get $src) (local.get $ref))) (local.get $seq))
              (then
                ;; A miss: after every 16 misses in a row the scan steps one byte further.
                (local.set $ip (i32.add (local.get $ip)
                  (i32.add (i32.const 1) (i32.shr_u (local.get $misses) (i32.const 4)))))
                (local.set $misses (i32.add (local.get $misses) (i32.const 1)))
                (br $scan)))
            (local.set $misses (i32.const 0))
            ;; Extend the match backwards over pending literals.
            (block $backDone
              (loop $back
                (br_if $backDone (i32.le_s (local.get $ip) (local.get $anchor)))
                (br_if $backDone (i32.le_s (local.get $ref) (i32.const 0)))
                (br_if $backDone (i32.ne
                  (i32.load8_u (i32.add (local.get $src) (i32.sub (local.get $ip) (i32.const 1))))
                  (i32.load8_u (i32.add (local.get $src) (i32.sub (local.get $ref) (i32.const 1))))))
                (local.set $ip (i32.sub (local.get $ip) (i32.const 1)))
                (local.set $ref (i32.sub (local.get $ref) (i32.const 1)))
                (br $back)))
            ;; Extend it forwards 8 bytes at a time (the first differing byte from the xor's
            ;; trailing zeros), then byte by byte over the last few before matchLimit.
            (local.set $end (i32.add (local.get $ip) (i32.const 4)))
            (local.set $r (i32.add (local.get $ref) (i32.const 4)))
            (block $forwardDone
              (loop $forward
                (if (i32.lt_s (local.get $end) (i32.sub (local.get $matchLimit) (i32.const 7)))
                  (then
                    (local.set $diff (i64.xor
                      (i64.load (i32.add (local.get $src) (local.get $end)))
                      (i64.load (i32.add (local.get $src) (local.get $r)))))
                    (if (i64.ne (local.get $diff) (i64.const 0))
                      (then
                        (local.set $end (i32.add (local.get $end)
                          (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $diff)) (i64.const 3)))))
                        (br $forwardDone)))
                    (local.set $end (i32.add (local.get $end) (i32.const 8)))
                    (local.set $r (i32.add (local.get $r) (i32.const 8)))
                    (br $forward))))
              (loop $tail
                (br_if $forwardDone (i32.ge_s (local.get $end) (local.get $matchLimit)))
                (br_if $forwardDone (i32.ne
                  (i32.load8_u (i32.add (local.get $src) (local.get $end)))
                  (i32.load8_u (i32.add (local.get $src) (local.get $r)))))
                (local.set $end (i32.add (local.get $end) (i32.const 1)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $tail)))
            ;; The sequence: token, literal length beyond 15, literals, offset, match length beyond 15.
            (local.set $lit (i32.sub (local.get $ip) (local.get $anchor)))
            (local.set $matchLen (i32.sub (i32.sub (local.get $end) (local.get $ip)) (i32.const 4)))
            (local.set $tokenPos (local.get $op))
            (local.set $op (i32.add (local.get $op) (i32.const 1)))
            (if (i32.ge_u (local.get $lit) (i32.const 15))
              (then
                (local.set $token (i32.const 0xf0))
                (local.set $rest (i32.sub (local.get $lit) (i32.const 15)))
                (block $litLenDone
                  (loop $litLen
                    (br_if $litLenDone (i32.lt_u (local.get $rest) (i32.const 255)))
                    (i32.store8 (local.get $op) (i32.const 255))
                    (local.set $op (i32.add (local.get $op) (i32.const 1)))
                    (local.set $rest (i32.sub (local.get $rest) (i32.const 255)))
                    (br $litLen)))
                (i32.store8 (local.get $op) (local.get $rest))
                (local.set $op (i32.add (local.get $op) (i32.const 1))))
              (else (local.set $token (i32.shl (local.get $lit) (i32.const 4)))))
            ;; Literals 8 bytes at a time: up to 7 bytes past them are overwritten by what follows
            ;; (or lie beyond the block, in the output's spare room).
            (local.set $from (i32.add (local.get $src) (local.get $anchor)))
            (local.set $to (local.get $op))
            (local.set $op (i32.add (local.get $op) (local.get $lit)))
            (block $copied
              (loop $copy
                (br_if $copied (i32.ge_u (local.get $to) (local.get $op)))
                (i64.store (local.get $to) (i64.load (local.get $from)))
                (local.set $to (i32.add (local.get $to) (i32.const 8)))
                (local.set $from (i32.add (local.get $from) (i32.const 8)))
                (br $copy)))
            (i32.store16 (local.get $op) (i32.sub (local.get $ip) (local.get $ref)))
            (local.set $op (i32.add (local.get $op) (i32.const 2)))
            (if (i32.ge_u (local.get $matchLen) (i32.const 15))
              (then
                (local.set $token (i32.or (local.get $token) (i32.const 0x0f)))
                (local.set $rest (i32.sub (local.get $matchLen) (i32.const 15)))
                (block $matchLenDone
                  (loop $matchLenMore
                    (br_if $matchLenDone (i32.lt_u (local.get $rest) (i32.const 255)))
                    (i32.store8 (local.get $op) (i32.const 255))
                    (local.set $op (i32.add (local.get $op) (i32.const 1)))
                    (local.set $rest (i32.sub (local.get $rest) (i32.const 255)))
                    (br $matchLenMore)))
                (i32.store8 (local.get $op) (local.get $rest))
                (local.set $op (i32.add (local.get $op) (i32.const 1))))
              (else (local.set $token (i32.or (local.get $token) (local.get $matchLen)))))
            (i32.store8 (local.get $tokenPos) (local.get $token))
            (local.set $ip (local.get $end))
            (local.set $anchor (local.get $end))
            ;; Remember the position 2 bytes back, which the scan skipped over.
            (if (i32.lt_s (local.get $ip) (local.get $mfLimit))
              (then
                (local.set $r (i32.sub (local.get $ip) (i32.const 2)))
                (i32.store
                  (i32.shl
                    (i32.shr_u
                      (i32.mul (i32.load (i32.add (local.get $src) (local.get $r))) (i32.const -1640531535))
                      (i32.const 16))
                    (i32.const 2))
                  (i32.add (local.get $r) (local.get $base)))))
            (br $scan)))))
    ;; The last literals: token, length beyond 15, bytes.
    (local.set $lit (i32.sub (local.get $n) (local.get $anchor)))
    (if (i32.ge_u (local.get $lit) (i32.const 15))
      (then
        (i32.store8 (local.get $op) (i32.const 0xf0))
        (local.set $op (i32.add (local.get $op) (i32.const 1)))
        (local.set $rest (i32.sub (local.get $lit) (i32.const 15)))
        (block $lastDone
          (loop $last
            (br_if $lastDone (i32.lt_u (local.get $rest) (i32.const 255)))
            (i32.store8 (local.get $op) (i32.const 255))
            (local.set $op (i32.add (local.get $op) (i32.const 1)))
            (local.set $rest (i32.sub (local.get $rest) (i32.const 255)))
            (br $last)))
        (i32.store8 (local.get $op) (local.get $rest))
        (local.set $op (i32.add (local.get $op) (i32.const 1))))
      (else
        (i32.store8 (local.get $op) (i32.shl (local.get $lit) (i32.const 4)))
        (local.set $op (i32.add (local.get $op) (i32.const 1)))))
    (memory.copy (local.get $op) (i32.add (local.get $src) (local.get $anchor)) (local.get $lit))
    (i32.sub (i32.add (local.get $op) (local.get $lit)) (local.get $dst)))
)
