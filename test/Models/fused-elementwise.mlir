// The zoo after upstream's elementwise fusion (--linalg-fuse-elementwise-ops,
// as a compiler may run it before raising): the softmax's division fused into
// the P V product, SDPA's sqrt(scale) fused into Q K^T, masks and biases fused
// into the logits. Every layer is still raised, with its pattern and softcap,
// and the numbers still match PyTorch at 1e-4 on the reference and cpu
// pipelines, and GQA is recovered where fusion merged repeat_kv into RoPE's
// generic (behind SDPA's sqrt(scale) on K, in the sdpa exports) or into the
// products themselves (gpt-oss).

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

// BLOOM (eager), ALiBi and the causal mask fused around a Q K^T whose batch loops
// (1, heads, 1) keep unit loops.
// RUN: attn-opt %S/bloom-eager-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.bloom-eager.mlir
// RUN: FileCheck %s --check-prefix=BLOOM --implicit-check-not=attn.attention < %t.bloom-eager.mlir
// RUN: attn-run %t.bloom-eager.mlir --entry=main --input=%S/bloom-eager.input0.npy --check-against=%S/bloom-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.bloom-eager.mlir --pipeline=cpu --entry=main --input=%S/bloom-eager.input0.npy --check-against=%S/bloom-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// BLOOM: attn.attention {{.*}}bias({{.*}}pattern = #attn.causal{{.*}} : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
// BLOOM: attn.attention {{.*}}bias({{.*}}pattern = #attn.causal{{.*}} : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>

// gpt-oss: repeat_kv's broadcast fused into both products (K/V read
// without the group loop), learned sinks, one sliding-window layer.
// RUN: attn-opt %S/gptoss-eager-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.gptoss-eager.mlir
// RUN: FileCheck %s --check-prefix=GPTOSS --implicit-check-not=attn.attention < %t.gptoss-eager.mlir
// RUN: attn-run %t.gptoss-eager.mlir --entry=main --input=%S/gptoss-eager.input0.npy --check-against=%S/gptoss-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.gptoss-eager.mlir --pipeline=cpu --entry=main --input=%S/gptoss-eager.input0.npy --check-against=%S/gptoss-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// GPTOSS: attn.attention {{.*}}sink({{.*}}normalizer = #attn.softmax<sink = learned>, pattern = #attn.window<left = 5, right = 0, sinks = 0>{{.*}} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
// GPTOSS: attn.attention {{.*}}sink({{.*}}normalizer = #attn.softmax<sink = learned>, pattern = #attn.causal{{.*}} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>

// Swin: the scale fused into Q K^T's body, a unit batch loop, and in the
// shifted layer a row maximum read through other reshapes than the
// subtraction.
// RUN: attn-opt %S/swin-eager-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.swin-eager.mlir
// RUN: FileCheck %s --check-prefix=SWIN --implicit-check-not=attn.attention < %t.swin-eager.mlir
// RUN: attn-run %t.swin-eager.mlir --entry=main --input=%S/swin-eager.input0.npy --check-against=%S/swin-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.swin-eager.mlir --pipeline=cpu --entry=main --input=%S/swin-eager.input0.npy --check-against=%S/swin-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// SWIN: attn.attention {{.*}} : tensor<4x2x16x8xf32>, tensor<4x2x16x8xf32>, tensor<4x2x16x8xf32>
// SWIN: attn.attention {{.*}} : tensor<4x2x16x8xf32>, tensor<4x2x16x8xf32>, tensor<4x2x16x8xf32>

// Swin V2: cosine attention's normalisation fused into Q K^T (eight loops,
// three of size 1); the learned per-head logit scale becomes the region.
// RUN: attn-opt %S/swinv2-eager-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.swinv2-eager.mlir
// RUN: FileCheck %s --check-prefix=SWINV2 --implicit-check-not=attn.attention < %t.swinv2-eager.mlir
// RUN: attn-run %t.swinv2-eager.mlir --entry=main --input=%S/swinv2-eager.input0.npy --check-against=%S/swinv2-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.swinv2-eager.mlir --pipeline=cpu --entry=main --input=%S/swinv2-eager.input0.npy --check-against=%S/swinv2-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// SWINV2: attn.attention {{.*}} score_mod
// SWINV2: attn.attention {{.*}} score_mod

// T5 eager: the all-zero cross-attention position bias folded into a
// scalar added to the logits.
// RUN: attn-opt %S/t5-eager-linalg.mlir --linalg-fuse-elementwise-ops | attn-opt --attn-raise-pipeline --canonicalize --attn-infer-pattern -o %t.t5-eager.mlir
// RUN: FileCheck %s --check-prefix=T5_EAGER --implicit-check-not=attn.attention < %t.t5-eager.mlir
// RUN: attn-run %t.t5-eager.mlir --entry=main --input=%S/t5-eager.input0.npy --check-against=%S/t5-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %t.t5-eager.mlir --pipeline=cpu --entry=main --input=%S/t5-eager.input0.npy --check-against=%S/t5-eager.output0.npy --atol=0.0001 --rtol=0.0001 | FileCheck %s --check-prefix=PASS
// T5_EAGER-COUNT-6: attn.attention

// PASS: check: PASS
