// The zoo after upstream's elementwise fusion (--linalg-fuse-elementwise-ops,
// as a compiler may run it before raising): the softmax's division fused into
// the P V product, SDPA's sqrt(scale) fused into Q K^T, masks and biases fused
// into the logits. Every layer is still raised, with its pattern and softcap,
// and the numbers still match PyTorch at 1e-4 on the reference and cpu
// pipelines, and GQA is recovered where fusion merged repeat_kv into RoPE's
// generic (behind SDPA's sqrt(scale) on K, in the sdpa exports).

// RUN: attn-opt %S/gpt2-sdpa-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.gpt2-sdpa.mlir
// RUN: FileCheck %s --check-prefix=GPT2_SDPA --implicit-check-not=attn.attention < %t.gpt2-sdpa.mlir
// RUN: attn-run %t.gpt2-sdpa.mlir --entry=main --input=%S/gpt2-sdpa.input0.npy --check-against=%S/gpt2-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.gpt2-sdpa.mlir --pipeline=cpu --entry=main --input=%S/gpt2-sdpa.input0.npy --check-against=%S/gpt2-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// GPT2_SDPA: attn.attention {{.*}}pattern = #attn.causal
// GPT2_SDPA: attn.attention {{.*}}pattern = #attn.causal

// RUN: attn-opt %S/llama-eager-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.llama-eager.mlir
// RUN: FileCheck %s --check-prefix=LLAMA_EAGER --implicit-check-not=attn.attention < %t.llama-eager.mlir
// RUN: attn-run %t.llama-eager.mlir --entry=main --input=%S/llama-eager.input0.npy --check-against=%S/llama-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.llama-eager.mlir --pipeline=cpu --entry=main --input=%S/llama-eager.input0.npy --check-against=%S/llama-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// LLAMA_EAGER: attn.attention {{.*}}pattern = #attn.causal{{.*}} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
// LLAMA_EAGER: attn.attention {{.*}}pattern = #attn.causal{{.*}} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>

// RUN: attn-opt %S/mistral-sdpa-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.mistral-sdpa.mlir
// RUN: FileCheck %s --check-prefix=MISTRAL_SDPA --implicit-check-not=attn.attention < %t.mistral-sdpa.mlir
// RUN: attn-run %t.mistral-sdpa.mlir --entry=main --input=%S/mistral-sdpa.input0.npy --check-against=%S/mistral-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.mistral-sdpa.mlir --pipeline=cpu --entry=main --input=%S/mistral-sdpa.input0.npy --check-against=%S/mistral-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// MISTRAL_SDPA: attn.attention {{.*}}pattern = #attn.window<left = 5, right = 0, sinks = 0>{{.*}} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
// MISTRAL_SDPA: attn.attention {{.*}}pattern = #attn.window<left = 5, right = 0, sinks = 0>{{.*}} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>

// RUN: attn-opt %S/gemma2-eager-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.gemma2-eager.mlir
// RUN: FileCheck %s --check-prefix=GEMMA2_EAGER --implicit-check-not=attn.attention < %t.gemma2-eager.mlir
// RUN: attn-run %t.gemma2-eager.mlir --entry=main --input=%S/gemma2-eager.input0.npy --check-against=%S/gemma2-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.gemma2-eager.mlir --pipeline=cpu --entry=main --input=%S/gemma2-eager.input0.npy --check-against=%S/gemma2-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// GEMMA2_EAGER: attn.attention {{.*}}pattern = #attn.window<left = 5, right = 0, sinks = 0>, scale = {{[^,]+}}, softcap = 3.000000e+01 : f32} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
// GEMMA2_EAGER: attn.attention {{.*}}pattern = #attn.causal, scale = {{[^,]+}}, softcap = 3.000000e+01 : f32} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>

// RUN: attn-opt %S/t5-sdpa-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.t5-sdpa.mlir
// RUN: FileCheck %s --check-prefix=T5_SDPA --implicit-check-not=attn.attention < %t.t5-sdpa.mlir
// RUN: attn-run %t.t5-sdpa.mlir --entry=main --input=%S/t5-sdpa.input0.npy --check-against=%S/t5-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.t5-sdpa.mlir --pipeline=cpu --entry=main --input=%S/t5-sdpa.input0.npy --check-against=%S/t5-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// T5_SDPA-COUNT-6: attn.attention

// RUN: attn-opt %S/bert2-sdpa-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.bert2-sdpa.mlir
// RUN: FileCheck %s --check-prefix=BERT2_SDPA --implicit-check-not=attn.attention < %t.bert2-sdpa.mlir
// RUN: attn-run %t.bert2-sdpa.mlir --entry=main --input=%S/bert2-sdpa.input0.npy,%S/bert2-sdpa.input1.npy --check-against=%S/bert2-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.bert2-sdpa.mlir --pipeline=cpu --entry=main --input=%S/bert2-sdpa.input0.npy,%S/bert2-sdpa.input1.npy --check-against=%S/bert2-sdpa.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// BERT2_SDPA-COUNT-2: attn.attention

// PASS: check: PASS
