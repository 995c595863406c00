// Builders of the fusion test graphs.
#include "tests/fusion/fusion_test_graphs.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

namespace agt::test {

using ir::AttrKey;
using ir::Attrs;
using ir::OpKind;
using ir::Value;

ir::Node* GraphBuilder::OpNode(OpKind op, std::vector<Value*> inputs, Attrs attrs, const std::string& name) {
  auto n = g_.AddNode(op, std::move(inputs), std::move(attrs), name);
  if (!n.ok()) FAIL("building " << name << " (" << ir::OpName(op) << "): " << n.status().message());
  return *n;
}

Value* GraphBuilder::Op(OpKind op, std::vector<Value*> inputs, Attrs attrs, const std::string& name) {
  return OpNode(op, std::move(inputs), std::move(attrs), name)->output(0);
}

Value* GraphBuilder::Weight(const ir::Shape& shape) {
  auto& t = weights_[shape];
  if (!t) t = std::make_shared<const ir::Tensor>(ir::TensorType{ir::DType::kF32, shape});
  return g_.AddConstant("w", t);
}

Value* GraphBuilder::Scalar(float v) { return g_.AddConstant("s", ir::Tensor::ScalarF32(v)); }

Value* GraphBuilder::Index(int64_t i) { return g_.AddConstant("i", ir::Tensor::ScalarI64(i)); }

Value* GraphBuilder::Linear(Value* x, int64_t n, const std::string& name) {
  int64_t k = x->shape().back();
  return Op(OpKind::kLinear, {x, Weight({k, n}), Weight({n})}, {}, name);
}

Value* GraphBuilder::LayerNorm(Value* x, const std::string& name) {
  int64_t d = x->shape().back();
  return Op(OpKind::kLayerNorm, {x, Weight({d}), Weight({d})}, {{AttrKey::kAxis, int64_t{-1}}}, name);
}

Value* GraphBuilder::Mha(Value* q_in, Value* k_in, Value* v_in, int64_t heads, const std::string& name,
                         int64_t softmax_axis) {
  int64_t d = q_in->shape().back(), lq = q_in->shape()[1], lk = k_in->shape()[1], hd = d / heads;
  auto split_heads = [&](Value* x, int64_t len, const std::string& tag, std::vector<int64_t> perm) {
    Value* r = Op(OpKind::kReshape, {x}, {{AttrKey::kShape, std::vector<int64_t>{1, len, heads, hd}}},
                  name + ".reshape_" + tag);
    return Op(OpKind::kTranspose, {r}, {{AttrKey::kPerm, std::move(perm)}}, name + ".transpose_" + tag);
  };
  Value* q = Linear(q_in, d, name + ".q_proj");
  q = Op(OpKind::kMul, {q, Scalar(1.0f / std::sqrt(static_cast<float>(hd)))}, {}, name + ".q_scale");
  Value* k = Linear(k_in, d, name + ".k_proj");
  Value* v = Linear(v_in, d, name + ".v_proj");
  Value* qh = split_heads(q, lq, "q", {0, 2, 1, 3});
  Value* kt = split_heads(k, lk, "k", {0, 2, 3, 1});
  Value* vh = split_heads(v, lk, "v", {0, 2, 1, 3});
  Value* s = Op(OpKind::kMatMul, {qh, kt}, {}, name + ".qk");
  Value* p = Op(OpKind::kSoftmax, {s}, {{AttrKey::kAxis, softmax_axis}}, name + ".softmax");
  Value* o = Op(OpKind::kMatMul, {p, vh}, {}, name + ".pv");
  o = Op(OpKind::kTranspose, {o}, {{AttrKey::kPerm, std::vector<int64_t>{0, 2, 1, 3}}}, name + ".transpose_o");
  o = Op(OpKind::kReshape, {o}, {{AttrKey::kShape, std::vector<int64_t>{1, lq, d}}}, name + ".reshape_o");
  return Linear(o, d, name + ".out_proj");
}

std::unique_ptr<ir::Graph> BuildVitEncoder(const VitConfig& c) {
  auto g = std::make_unique<ir::Graph>("vit_encoder");
  GraphBuilder b(*g);
  const int64_t t = c.tokens, d = c.dim, h = c.heads, hd = c.dim / c.heads;
  Value* x = g->AddInput("x", {ir::DType::kF32, {1, t, d}});
  for (int l = 0; l < c.layers; ++l) {
    std::string p = fmt::format("blocks.{}", l);
    Value* n1 = b.LayerNorm(x, p + ".norm1");
    Value* qkv = b.Linear(n1, 3 * d, p + ".attn.qkv");
    qkv = b.Op(OpKind::kReshape, {qkv}, {{AttrKey::kShape, std::vector<int64_t>{1, t, 3, h, hd}}}, p + ".attn.reshape");
    qkv = b.Op(OpKind::kTranspose, {qkv}, {{AttrKey::kPerm, std::vector<int64_t>{2, 0, 3, 1, 4}}},
               p + ".attn.permute");
    Value* q = b.Op(OpKind::kGather, {qkv, b.Index(0)}, {{AttrKey::kAxis, int64_t{0}}}, p + ".attn.q");
    Value* k = b.Op(OpKind::kGather, {qkv, b.Index(1)}, {{AttrKey::kAxis, int64_t{0}}}, p + ".attn.k");
    Value* v = b.Op(OpKind::kGather, {qkv, b.Index(2)}, {{AttrKey::kAxis, int64_t{0}}}, p + ".attn.v");
    Value* kt = b.Op(OpKind::kTranspose, {k}, {{AttrKey::kPerm, std::vector<int64_t>{0, 1, 3, 2}}}, p + ".attn.kt");
    Value* s = b.Op(OpKind::kMatMul, {q, kt}, {}, p + ".attn.qk");
    s = b.Op(OpKind::kMul, {s, b.Scalar(1.0f / std::sqrt(static_cast<float>(hd)))}, {}, p + ".attn.scale");
    Value* a = b.Op(OpKind::kSoftmax, {s}, {{AttrKey::kAxis, int64_t{-1}}}, p + ".attn.softmax");
    Value* o = b.Op(OpKind::kMatMul, {a, v}, {}, p + ".attn.pv");
    o = b.Op(OpKind::kTranspose, {o}, {{AttrKey::kPerm, std::vector<int64_t>{0, 2, 1, 3}}}, p + ".attn.transpose_o");
    o = b.Op(OpKind::kReshape, {o}, {{AttrKey::kShape, std::vector<int64_t>{1, t, d}}}, p + ".attn.reshape_o");
    o = b.Linear(o, d, p + ".attn.proj");
    x = b.Op(OpKind::kAdd, {x, o}, {}, p + ".residual1");
    Value* n2 = b.LayerNorm(x, p + ".norm2");
    Value* f = b.Linear(n2, c.mlp, p + ".mlp.fc1");
    f = b.Op(OpKind::kGelu, {f}, {}, p + ".mlp.gelu");
    f = b.Linear(f, d, p + ".mlp.fc2");
    x = b.Op(OpKind::kAdd, {x, f}, {}, p + ".residual2");
  }
  g->SetOutputs({x});
  return g;
}

std::unique_ptr<ir::Graph> BuildDetrLayers(int64_t memory_tokens, int64_t queries) {
  auto g = std::make_unique<ir::Graph>("detr_layers");
  GraphBuilder b(*g);
  const int64_t d = 256, heads = 8, ffn = 2048;
  Value* src = g->AddInput("src", {ir::DType::kF32, {1, memory_tokens, d}});
  Value* pos = g->AddInput("pos", {ir::DType::kF32, {1, memory_tokens, d}});
  Value* query_pos = g->AddInput("query_pos", {ir::DType::kF32, {1, queries, d}});
  Value* tgt = g->AddInput("tgt", {ir::DType::kF32, {1, queries, d}});
  auto ffn_block = [&](Value* x, const std::string& p) {
    Value* f = b.Linear(x, ffn, p + ".linear1");
    f = b.Op(OpKind::kRelu, {f}, {}, p + ".relu");
    f = b.Linear(f, d, p + ".linear2");
    return b.LayerNorm(b.Op(OpKind::kAdd, {x, f}, {}, p + ".residual_ffn"), p + ".norm_ffn");
  };
  // Encoder layer: q = k = src + pos, v = src.
  Value* qk = b.Op(OpKind::kAdd, {src, pos}, {}, "enc.with_pos");
  Value* a = b.Mha(qk, qk, src, heads, "enc.self_attn");
  Value* memory = b.LayerNorm(b.Op(OpKind::kAdd, {src, a}, {}, "enc.residual_attn"), "enc.norm1");
  memory = ffn_block(memory, "enc");
  // Decoder layer: self-attention over the queries, cross-attention to the memory.
  Value* tq = b.Op(OpKind::kAdd, {tgt, query_pos}, {}, "dec.with_query_pos");
  Value* sa = b.Mha(tq, tq, tgt, heads, "dec.self_attn");
  Value* t1 = b.LayerNorm(b.Op(OpKind::kAdd, {tgt, sa}, {}, "dec.residual_self"), "dec.norm1");
  Value* cq = b.Op(OpKind::kAdd, {t1, query_pos}, {}, "dec.cross_q");
  Value* ck = b.Op(OpKind::kAdd, {memory, pos}, {}, "dec.cross_k");
  Value* ca = b.Mha(cq, ck, memory, heads, "dec.cross_attn");
  Value* t2 = b.LayerNorm(b.Op(OpKind::kAdd, {t1, ca}, {}, "dec.residual_cross"), "dec.norm2");
  g->SetOutputs({ffn_block(t2, "dec")});
  return g;
}

std::unique_ptr<ir::Graph> BuildRandomGraph(int num_ops, std::mt19937& rng) {
  auto g = std::make_unique<ir::Graph>("random");
  GraphBuilder b(*g);
  std::vector<Value*> square{g->AddInput("x", {ir::DType::kF32, {8, 8}})};   // [8,8] activations
  std::vector<Value*> any = square;                                          // plus [8,1] ones
  auto pick = [&](const std::vector<Value*>& pool) {
    // Prefer recent values, so that chains (and fusable patterns) are common.
    std::geometric_distribution<size_t> back(0.5);
    size_t k = std::min(back(rng), pool.size() - 1);
    return pool[pool.size() - 1 - k];
  };
  auto add = [&](Value* v) {
    any.push_back(v);
    if (v->shape() == ir::Shape{8, 8}) square.push_back(v);
  };
  int made = 0;
  while (made < num_ops) {
    std::string name = fmt::format("op{}", made);
    int kind = static_cast<int>(rng() % 12);
    if (kind == 11 && num_ops - made >= 4) {  // attention motif
      Value* s = b.Op(OpKind::kMatMul, {pick(square), pick(square)}, {}, name + ".qk");
      s = b.Op(OpKind::kMul, {s, b.Scalar(0.5f)}, {}, name + ".scale");
      s = b.Op(OpKind::kSoftmax, {s}, {{AttrKey::kAxis, int64_t{rng() % 4 == 0 ? 0 : -1}}}, name + ".softmax");
      add(b.Op(OpKind::kMatMul, {s, pick(square)}, {}, name + ".pv"));
      made += 4;
      continue;
    }
    Value* v = nullptr;
    switch (kind) {
      case 0: v = b.Op(OpKind::kRelu, {pick(any)}, {}, name); break;
      case 1: v = b.Op(OpKind::kExp, {pick(any)}, {}, name); break;
      case 2: v = b.Op(OpKind::kAdd, {pick(square), pick(any)}, {}, name); break;
      case 3: v = b.Op(OpKind::kMul, {pick(any), b.Scalar(2.0f)}, {}, name); break;
      case 4:
        v = b.Op(OpKind::kTranspose, {pick(square)}, {{AttrKey::kPerm, std::vector<int64_t>{1, 0}}}, name);
        break;
      case 5: v = b.Op(OpKind::kSoftmax, {pick(square)}, {{AttrKey::kAxis, int64_t{-1}}}, name); break;
      case 6: v = b.LayerNorm(pick(square), name); break;
      case 7:
        v = b.Op(OpKind::kReduceMean, {pick(square)},
                 {{AttrKey::kAxes, std::vector<int64_t>{1}}, {AttrKey::kKeepDims, int64_t{1}}}, name);
        break;
      case 8: v = b.Op(OpKind::kMatMul, {pick(square), pick(square)}, {}, name); break;
      case 9: v = b.Linear(pick(square), 8, name); break;
      case 10: v = b.Op(OpKind::kCumSum, {pick(square)}, {{AttrKey::kAxis, int64_t{1}}}, name); break;
      default: v = b.Op(OpKind::kGelu, {pick(any)}, {}, name); break;
    }
    add(v);
    ++made;
  }
  // Outputs: every unused value, and now and then a used one too.
  std::vector<Value*> outs;
  for (const auto& n : g->nodes()) {
    for (Value* v : n->outputs()) {
      if (!v->has_uses() || rng() % 8 == 0) outs.push_back(v);
    }
  }
  g->SetOutputs(outs);
  return g;
}

}  // namespace agt::test
