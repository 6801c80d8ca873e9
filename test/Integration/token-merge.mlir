// attn.token_merge (both matchings, with and without protect_first and
// sizes) and attn.token_unmerge through the reference pipeline, checked
// against the naive reference: merged values within 1e-5, which tokens merge
// (source indices) exactly.
// RUN: attn-run %s --entry=bipartite --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=bipartite_protect_sizes --seed=2 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=bipartite_max_r --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=complete_graph --seed=4 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=complete_graph_protect_sizes --seed=5 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=unmerge --seed=6 --check --oracle=naive | FileCheck %s --check-prefix=PASS

// PASS: check: oracle=naive
// PASS-NOT: FAIL
// PASS: check: PASS

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
