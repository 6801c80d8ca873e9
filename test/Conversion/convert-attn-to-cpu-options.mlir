// Invalid tile options are refused before any rewrite.
// RUN: not attn-opt %s --convert-attn-to-cpu="tile-q=12 vector-width=8" 2>&1 | FileCheck %s --check-prefix=TQ
// RUN: not attn-opt %s --convert-attn-to-cpu="tile-k=6 vector-width=8" 2>&1 | FileCheck %s --check-prefix=TQ
// RUN: not attn-opt %s --convert-attn-to-cpu="vector-width=-4" 2>&1 | FileCheck %s --check-prefix=TQ
// RUN: not attn-opt %s --convert-attn-to-cpu="tile-q=8192" 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not attn-opt %s --convert-attn-to-cpu="tile-q=-8 vector-width=8" 2>&1 | FileCheck %s --check-prefix=TQ
// RUN: not attn-opt %s --attn-cpu-pipeline="tile-k=3 vector-width=8" 2>&1 | FileCheck %s --check-prefix=TQ
// RUN: not attn-opt %s --convert-attn-to-cpu="num-threads=-2" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not attn-opt %s --convert-attn-to-cpu="num-threads=5000" 2>&1 | FileCheck %s --check-prefix=THREADS

// TQ: error: convert-attn-to-cpu: tile-q ({{-?[0-9]+}}) must be 0 (automatic) or a positive multiple of vector-width ({{-?[0-9]+}}) and tile-k ({{-?[0-9]+}}) 0 or a positive multiple of 4
// THREADS: error: convert-attn-to-cpu: num-threads ({{-?[0-9]+}}) must be 0 to 1024
// HUGE: error: convert-attn-to-cpu: vector-width must be at most 64 and tile sizes at most 4096

func.func @f(%q: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %o = attn.attention %q, %q, %q : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32> -> tensor<1x1x8x8xf32>
  return %o : tensor<1x1x8x8xf32>
}
