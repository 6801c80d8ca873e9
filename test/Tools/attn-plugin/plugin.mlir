// libAttnPlugin.so in upstream's mlir-opt (the one of the LLVM this project
// builds against): the attn dialect through --load-dialect-plugin, the attn
// passes and pipelines through --load-pass-plugin, named in --pass-pipeline
// since mlir-opt parses its flags before it loads plugins.
// REQUIRES: attn-plugin

// The dialect alone: attn ops parse, verify and print.
// RUN: %mlir_opt %s --load-dialect-plugin=%attn_plugin | FileCheck %s --check-prefix=DIALECT
// Raising, then inference, in the system mlir-opt.
// RUN: %mlir_opt %s --load-dialect-plugin=%attn_plugin --load-pass-plugin=%attn_plugin \
// RUN:   --pass-pipeline='builtin.module(func.func(attn-raise,canonicalize,attn-infer-pattern))' \
// RUN:   | FileCheck %s --check-prefix=RAISE
// A registered pipeline, to the LLVM dialect.
// RUN: %mlir_opt %s --load-dialect-plugin=%attn_plugin --load-pass-plugin=%attn_plugin \
// RUN:   --pass-pipeline='builtin.module(attn-cpu-pipeline{num-threads=2})' \
// RUN:   | FileCheck %s --check-prefix=CPU
// The plugin's verifier and pass errors reach mlir-opt's diagnostics.
// RUN: not %mlir_opt %s --load-dialect-plugin=%attn_plugin --load-pass-plugin=%attn_plugin \
// RUN:   --pass-pipeline='builtin.module(attn-cpu-pipeline{num-threads=5000})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OPTIONS
// Without the plugin, mlir-opt does not know the dialect (the test is not
// passing by accident).
// RUN: not %mlir_opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN

// DIALECT-LABEL: func.func @given
// DIALECT: attn.attention {{.*}}pattern = #attn.causal
// RAISE-LABEL: func.func @given
// RAISE-LABEL: func.func @decomposed
// RAISE: %[[O:.*]] = attn.attention %arg0, %arg1, %arg2 {{.*}}pattern = #attn.causal
// RAISE-NOT: linalg.softmax
// RAISE: return %[[O]]
// CPU-NOT: attn.attention
// CPU: llvm.func @decomposed
// OPTIONS: attn-cpu-pipeline: num-threads must be at most 1024, got 5000
// NOPLUGIN: error: Dialect `attn' not found for custom op 'attn.attention'

func.func @given(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// softmax(Q K^T / 2 + causal mask) V, as linalg spells it.
func.func @decomposed(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, d) -> (b, h, i, d)>, affine_map<(b, h, i, j, d) -> (b, h, j, d)>, affine_map<(b, h, i, j, d) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) outs(%z : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %eb = tensor.empty() : tensor<1x2x8x8xi1>
  %mask = linalg.generic {indexing_maps = [affine_map<(b, h, i, j) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%eb : tensor<1x2x8x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %visible = arith.cmpi ule, %j, %i : index
    linalg.yield %visible : i1
  } -> tensor<1x2x8x8xi1>
  %scaled = linalg.generic {indexing_maps = [affine_map<(b, h, i, j) -> (b, h, i, j)>, affine_map<(b, h, i, j) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = arith.mulf %x, %half : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, h, i, j) -> (b, h, i, j)>, affine_map<(b, h, i, j) -> (b, h, i, j)>, affine_map<(b, h, i, j) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mask, %scaled : tensor<1x2x8x8xi1>, tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%m: i1, %x: f32, %out: f32):
    %y = arith.select %m, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %e2 = tensor.empty() : tensor<1x2x8x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, i, d, j) -> (b, h, i, j)>, affine_map<(b, h, i, d, j) -> (b, h, j, d)>, affine_map<(b, h, i, d, j) -> (b, h, i, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) outs(%z2 : tensor<1x2x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
