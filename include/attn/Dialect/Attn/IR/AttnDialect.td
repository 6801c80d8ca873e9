//===- AttnDialect.td - The attn dialect -------------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD
#define ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Structured attention, sparsity patterns, normalizers and token merging";
  let description = [{
    The `attn` dialect represents transformer attention as one structured op,
    `attn.attention`, whose visibility structure (`pattern`) and normalizer
    (`normalizer`) are attributes behind two attribute interfaces, so that
    every pass and lowering is written once for all of them. It also holds
    `attn.token_merge` / `attn.token_unmerge` for ToMe-style token merging.

    The exact semantics are given in `docs/Semantics.md`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

#endif // ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD
