//===- AttnPlugin.cpp - attn-mlir as a plugin of upstream mlir-opt --------===//
//
// libAttnPlugin.so: the attn dialect (--load-dialect-plugin) and every attn
// pass and pipeline (--load-pass-plugin) for an mlir-opt built against the
// same libMLIR.so. mlir-opt parses its flags before it loads plugins, so the
// passes are named in --pass-pipeline:
//
//   mlir-opt --load-dialect-plugin=libAttnPlugin.so \
//            --load-pass-plugin=libAttnPlugin.so \
//            --pass-pipeline='builtin.module(func.func(attn-raise))' in.mlir
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "AttnDialect", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            attn::registerAllAttnDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "AttnPasses", LLVM_VERSION_STRING,
          []() { attn::registerAllAttnPasses(); }};
}
