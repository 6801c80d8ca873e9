// attn.token_merge / attn.token_unmerge through the CPU pipeline (the loops
// of --convert-attn-to-cpu, OpenMP over the batch), against the naive
// reference: merged values within 1e-5 (f16: 2e-3), which tokens merge
// (source indices) exactly. The entries of token-merge.mlir, plus f16 and
// ViT-sized ones (N = 197 with a class token).
// RUN: attn-run %s --pipeline=cpu --entry=bipartite --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=bipartite_protect_sizes --seed=2 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=bipartite_max_r --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=complete_graph --seed=4 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=complete_graph_protect_sizes --seed=5 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=unmerge --seed=6 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=bipartite_f16 --seed=7 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --entry=complete_graph_f16 --seed=8 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=vit_bipartite --seed=9 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=vit_bipartite --seed=9 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=vit_complete_graph --seed=10 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=vit_heap_f16 --seed=12 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=vit_unmerge --seed=11 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// Exact ties (--random-step=1: every input is -1 or 0, so many metric rows
// are parallel or zero): the naive oracle computes in f64, where rounding
// can separate f32 ties, so these compare with the reference decomposition
// (f32, the same tie-breaking by lower index, no code shared with the
// loops): best partner, ranking and complete-graph target.
// RUN: attn-run %s --pipeline=cpu --entry=bipartite --seed=2 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %s --pipeline=cpu --entry=bipartite_protect_sizes --seed=3 --random-step=0.5 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %s --pipeline=cpu --entry=complete_graph --seed=2 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %s --pipeline=cpu --entry=complete_graph --seed=4 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %s --pipeline=cpu --entry=complete_graph_protect_sizes --seed=5 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %s --pipeline=cpu --entry=vit_bipartite --seed=1 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %s --pipeline=cpu --entry=vit_complete_graph --seed=1 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// Every op really goes through the CPU loops (none silently falls back).
// RUN: attn-opt %s --attn-statistics --convert-attn-to-cpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// PASS: check: oracle=naive
// PASS-NOT: FAIL
// PASS: check: PASS

// TIES: check: oracle=reference
// TIES-NOT: FAIL
// TIES: check: PASS

// STATS: convert-attn-to-cpu: lowered-token-merge-ops = 12
// STATS-NOT: left-token-merge-ops

func.func @bipartite(%x: tensor<2x16x8xf32>, %k: tensor<2x16x4xf32>) -> (tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 5 : tensor<2x16x8xf32>, tensor<2x16x4xf32> -> tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
  return %a, %b, %c : tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
}

func.func @bipartite_protect_sizes(%x: tensor<1x17x8xf32>, %k: tensor<1x17x4xf32>, %s: tensor<1x17xf32>) -> (tensor<1x13x8xf32>, tensor<1x13xf32>, tensor<1x17xindex>) {
  %a, %b, %c = attn.token_merge %x, %k size(%s : tensor<1x17xf32>) r = 4 protect_first : tensor<1x17x8xf32>, tensor<1x17x4xf32> -> tensor<1x13x8xf32>, tensor<1x13xf32>, tensor<1x17xindex>
  return %a, %b, %c : tensor<1x13x8xf32>, tensor<1x13xf32>, tensor<1x17xindex>
}

func.func @bipartite_max_r(%x: tensor<1x9x3xf32>, %k: tensor<1x9x2xf32>) -> (tensor<1x5x3xf32>, tensor<1x5xf32>, tensor<1x9xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 4 protect_first : tensor<1x9x3xf32>, tensor<1x9x2xf32> -> tensor<1x5x3xf32>, tensor<1x5xf32>, tensor<1x9xindex>
  return %a, %b, %c : tensor<1x5x3xf32>, tensor<1x5xf32>, tensor<1x9xindex>
}

func.func @complete_graph(%x: tensor<2x12x8xf32>, %k: tensor<2x12x4xf32>) -> (tensor<2x7x8xf32>, tensor<2x7xf32>, tensor<2x12xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 5 matching = complete_graph : tensor<2x12x8xf32>, tensor<2x12x4xf32> -> tensor<2x7x8xf32>, tensor<2x7xf32>, tensor<2x12xindex>
  return %a, %b, %c : tensor<2x7x8xf32>, tensor<2x7xf32>, tensor<2x12xindex>
}

func.func @complete_graph_protect_sizes(%x: tensor<1x10x6xf32>, %k: tensor<1x10x3xf32>, %s: tensor<1x10xf32>) -> (tensor<1x4x6xf32>, tensor<1x4xf32>, tensor<1x10xindex>) {
  %a, %b, %c = attn.token_merge %x, %k size(%s : tensor<1x10xf32>) r = 6 protect_first matching = complete_graph : tensor<1x10x6xf32>, tensor<1x10x3xf32> -> tensor<1x4x6xf32>, tensor<1x4xf32>, tensor<1x10xindex>
  return %a, %b, %c : tensor<1x4x6xf32>, tensor<1x4xf32>, tensor<1x10xindex>
}

func.func @unmerge(%m: tensor<2x5x8xf32>, %s: tensor<2x9xindex>) -> tensor<2x9x8xf32> {
  %u = attn.token_unmerge %m, %s : tensor<2x5x8xf32>, tensor<2x9xindex> -> tensor<2x9x8xf32>
  return %u : tensor<2x9x8xf32>
}

// f16 tokens, metric and sizes (accumulated in f32).
func.func @bipartite_f16(%x: tensor<2x15x8xf16>, %k: tensor<2x15x6xf16>, %s: tensor<2x15xf16>) -> (tensor<2x10x8xf16>, tensor<2x10xf16>, tensor<2x15xindex>) {
  %a, %b, %c = attn.token_merge %x, %k size(%s : tensor<2x15xf16>) r = 5 protect_first : tensor<2x15x8xf16>, tensor<2x15x6xf16> -> tensor<2x10x8xf16>, tensor<2x10xf16>, tensor<2x15xindex>
  return %a, %b, %c : tensor<2x10x8xf16>, tensor<2x10xf16>, tensor<2x15xindex>
}

func.func @complete_graph_f16(%x: tensor<2x12x8xf16>, %k: tensor<2x12x4xf16>) -> (tensor<2x7x8xf16>, tensor<2x7xf32>, tensor<2x12xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 5 matching = complete_graph : tensor<2x12x8xf16>, tensor<2x12x4xf16> -> tensor<2x7x8xf16>, tensor<2x7xf32>, tensor<2x12xindex>
  return %a, %b, %c : tensor<2x7x8xf16>, tensor<2x7xf32>, tensor<2x12xindex>
}

// ViT-B/16 sized: 196 patches + class token.
func.func @vit_bipartite(%x: tensor<2x197x64xf32>, %k: tensor<2x197x64xf32>, %s: tensor<2x197xf32>) -> (tensor<2x181x64xf32>, tensor<2x181xf32>, tensor<2x197xindex>) {
  %a, %b, %c = attn.token_merge %x, %k size(%s : tensor<2x197xf32>) r = 16 protect_first : tensor<2x197x64xf32>, tensor<2x197x64xf32> -> tensor<2x181x64xf32>, tensor<2x181xf32>, tensor<2x197xindex>
  return %a, %b, %c : tensor<2x181x64xf32>, tensor<2x181xf32>, tensor<2x197xindex>
}

func.func @vit_complete_graph(%x: tensor<2x197x64xf32>, %k: tensor<2x197x64xf32>) -> (tensor<2x181x64xf32>, tensor<2x181xf32>, tensor<2x197xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 16 protect_first matching = complete_graph : tensor<2x197x64xf32>, tensor<2x197x64xf32> -> tensor<2x181x64xf32>, tensor<2x181xf32>, tensor<2x197xindex>
  return %a, %b, %c : tensor<2x181x64xf32>, tensor<2x181xf32>, tensor<2x197xindex>
}

// 197 x 384 f32 metric rows (296 KiB) exceed the stack budget of the loops:
// heap scratch, freed per batch row; f16 tokens summed in f32 scratch.
func.func @vit_heap_f16(%x: tensor<2x197x32xf16>, %k: tensor<2x197x384xf32>) -> (tensor<2x181x32xf16>, tensor<2x181xf32>, tensor<2x197xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 16 protect_first : tensor<2x197x32xf16>, tensor<2x197x384xf32> -> tensor<2x181x32xf16>, tensor<2x181xf32>, tensor<2x197xindex>
  return %a, %b, %c : tensor<2x181x32xf16>, tensor<2x181xf32>, tensor<2x197xindex>
}

func.func @vit_unmerge(%m: tensor<2x181x64xf32>, %s: tensor<2x197xindex>) -> tensor<2x197x64xf32> {
  %u = attn.token_unmerge %m, %s : tensor<2x181x64xf32>, tensor<2x197xindex> -> tensor<2x197x64xf32>
  return %u : tensor<2x197x64xf32>
}
