// attn.token_merge / attn.token_unmerge become loops on buffers, parallel
// over the batch, with per-batch scratch no larger than N x Cm plus O(N):
// neither the |A| x |B| scores nor the N x N similarity is ever stored.
// RUN: attn-opt %s --convert-attn-to-cpu --split-input-file -verify-diagnostics | FileCheck %s --implicit-check-not=attn.token_merge --implicit-check-not=attn.token_unmerge
// The large case keeps its scratch on the stack only up to the budget.
// RUN: attn-opt %s --convert-attn-to-cpu --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=BIG
// RUN: attn-opt %s --convert-attn-to-cpu --split-input-file -verify-diagnostics --one-shot-bufferize="allow-unknown-ops bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --buffer-deallocation-pipeline | FileCheck %s --check-prefix=FREED
// No buffer anywhere is |A| x |B| or N x N (8 x 8 / 12 x 12 / 99 x 98 /
// 197 x 197, with or without a batch dimension).
// RUN: attn-opt %s --convert-attn-to-cpu --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=NOSQ
// NOSQ-NOT: {{memref<([0-9]+x)?(8x8|12x12|99x98|197x197)x}}

// Bipartite, N = 16: no 8 x 8 score buffer and no 16 x 16 buffer.
// CHECK-LABEL: func.func @bipartite(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x16x8xf32>, %[[K:[^:]+]]: tensor<2x16x4xf32>
// CHECK-DAG: %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<2x16x8xf32> to memref<2x16x8xf32>
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %[[K]] read_only : tensor<2x16x4xf32> to memref<2x16x4xf32>
// CHECK-DAG: %[[M:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x11x8xf32>
// CHECK-DAG: %[[MS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x11xf32>
// CHECK-DAG: %[[S:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x16xindex>
// CHECK: scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}})
// Normalised metric rows, then best score and partner of each A token.
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<16x4xf32>
// CHECK: math.sqrt
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<8xf32>
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<8xindex>
// CHECK: memref.store %{{.*}}, %[[S]][%[[B]], %{{.*}}] : memref<2x16xindex>
// f32 tokens are summed in the result buffer: no 11 x 8 scratch.
// CHECK-NOT: memref<11x8xf32>
// CHECK: memref.store %{{.*}}, %[[M]][%[[B]], %{{.*}}, %{{.*}}] : memref<2x11x8xf32>
// All scratch fits the stack budget: nothing is freed.
// CHECK-NOT: memref.dealloc
// CHECK: scf.reduce
// CHECK-DAG: %[[MT:.*]] = bufferization.to_tensor %[[M]] restrict writable : memref<2x11x8xf32> to tensor<2x11x8xf32>
// CHECK-DAG: %[[MST:.*]] = bufferization.to_tensor %[[MS]] restrict writable : memref<2x11xf32> to tensor<2x11xf32>
// CHECK-DAG: %[[ST:.*]] = bufferization.to_tensor %[[S]] restrict writable : memref<2x16xindex> to tensor<2x16xindex>
// CHECK: return %[[MT]], %[[MST]], %[[ST]]
func.func @bipartite(%x: tensor<2x16x8xf32>, %k: tensor<2x16x4xf32>) -> (tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 5 : tensor<2x16x8xf32>, tensor<2x16x4xf32> -> tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
  return %a, %b, %c : tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
}

// -----

// Complete graph, f16 tokens and sizes: the similarity is recomputed, never
// stored as 12 x 12; sums of f16 tokens go to an f32 scratch.
// CHECK-LABEL: func.func @complete_graph_f16(
// CHECK: scf.parallel
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<12x4xf32>
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<12xf32>
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<12xi8>
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<7x8xf32>
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<2x7x8xf16> to tensor<2x7x8xf16>
func.func @complete_graph_f16(%x: tensor<2x12x8xf16>, %k: tensor<2x12x4xf16>, %s: tensor<2x12xf16>) -> (tensor<2x7x8xf16>, tensor<2x7xf16>, tensor<2x12xindex>) {
  %a, %b, %c = attn.token_merge %x, %k size(%s : tensor<2x12xf16>) r = 5 protect_first matching = complete_graph : tensor<2x12x8xf16>, tensor<2x12x4xf16> -> tensor<2x7x8xf16>, tensor<2x7xf16>, tensor<2x12xindex>
  return %a, %b, %c : tensor<2x7x8xf16>, tensor<2x7xf16>, tensor<2x12xindex>
}

// -----

// Unmerge: a gather parallel over (batch, token); out-of-range rows are
// zeros.
// CHECK-LABEL: func.func @unmerge(
// CHECK-SAME: %[[MG:[^:]+]]: tensor<2x5x8xf32>, %[[SRC:[^:]+]]: tensor<2x9xindex>
// CHECK-DAG: %[[MB:.*]] = bufferization.to_buffer %[[MG]] read_only
// CHECK-DAG: %[[SB:.*]] = bufferization.to_buffer %[[SRC]] read_only
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x9x8xf32>
// CHECK: scf.parallel (%[[B:.*]], %[[T:.*]]) =
// CHECK: %[[ROW:.*]] = memref.load %[[SB]][%[[B]], %[[T]]]
// CHECK: %[[OK:.*]] = arith.cmpi ult, %[[ROW]], %{{.*}} : index
// CHECK: scf.if %[[OK]]
// CHECK: memref.load %[[MB]][%[[B]], %[[ROW]], %{{.*}}]
// CHECK: } else {
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[R]]
func.func @unmerge(%m: tensor<2x5x8xf32>, %s: tensor<2x9xindex>) -> tensor<2x9x8xf32> {
  %u = attn.token_unmerge %m, %s : tensor<2x5x8xf32>, tensor<2x9xindex> -> tensor<2x9x8xf32>
  return %u : tensor<2x9x8xf32>
}

// -----

// 197 x 1024 f32 metric rows (788 KiB) exceed the stack budget: heap
// scratch; the small ones stay on the stack. The buffer deallocation
// pipeline (which rejects explicit deallocs) frees it in the same iteration.
// BIG-LABEL: func.func @big_metric(
// BIG: scf.parallel
// BIG: %[[U:.*]] = memref.alloc() {alignment = 64 : i64} : memref<197x1024xf32>
// BIG: memref.alloca() {alignment = 64 : i64} : memref<99xf32>
// BIG-NOT: memref.dealloc
// BIG: scf.reduce
// FREED-LABEL: func.func @big_metric(
// FREED: scf.parallel
// FREED: %[[U:.*]] = memref.alloc() {alignment = 64 : i64} : memref<197x1024xf32>
// FREED: memref.dealloc %[[U]] : memref<197x1024xf32>
// FREED-NEXT: scf.reduce
// CHECK-LABEL: func.func @big_metric(
func.func @big_metric(%x: tensor<2x197x16xf32>, %k: tensor<2x197x1024xf32>) -> (tensor<2x181x16xf32>, tensor<2x181xf32>, tensor<2x197xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 16 protect_first : tensor<2x197x16xf32>, tensor<2x197x1024xf32> -> tensor<2x181x16xf32>, tensor<2x181xf32>, tensor<2x197xindex>
  return %a, %b, %c : tensor<2x181x16xf32>, tensor<2x181xf32>, tensor<2x197xindex>
}

// -----

// Dynamic shapes stay for the reference lowering, with a remark (the
// explicit CHECK lines consume them, so the implicit check-not holds).
// CHECK-LABEL: func.func @dynamic(
// CHECK: attn.token_merge %{{.*}} : tensor<1x?x8xf32>, tensor<1x?x4xf32>
func.func @dynamic(%x: tensor<1x?x8xf32>, %k: tensor<1x?x4xf32>) -> (tensor<1x?x8xf32>, tensor<1x?xf32>, tensor<1x?xindex>) {
  // expected-remark @+1 {{left for the reference lowering: it has dynamic shapes}}
  %a, %b, %c = attn.token_merge %x, %k r = 2 : tensor<1x?x8xf32>, tensor<1x?x4xf32> -> tensor<1x?x8xf32>, tensor<1x?xf32>, tensor<1x?xindex>
  return %a, %b, %c : tensor<1x?x8xf32>, tensor<1x?xf32>, tensor<1x?xindex>
}

// -----

// CHECK-LABEL: func.func @dynamic_unmerge(
// CHECK: attn.token_unmerge %{{.*}} : tensor<2x?x8xf32>, tensor<2x9xindex>
func.func @dynamic_unmerge(%m: tensor<2x?x8xf32>, %s: tensor<2x9xindex>) -> tensor<2x9x8xf32> {
  // expected-remark @+1 {{left for the reference lowering: it has dynamic shapes}}
  %u = attn.token_unmerge %m, %s : tensor<2x?x8xf32>, tensor<2x9xindex> -> tensor<2x9x8xf32>
  return %u : tensor<2x9x8xf32>
}
