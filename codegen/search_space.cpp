// Knob domains, resource estimates, validity, sampling and defaults per sketch.
#include "codegen/search_space.h"

#include <algorithm>
#include <cmath>

namespace agt::codegen {

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t VecElems(Precision p) { return 16 / FloatStorageBytes(p); }

}  // namespace

std::vector<KnobSpec> KnobsFor(const SpaceContext& ctx) {
  switch (ctx.sketch.kind) {
    case SketchKind::kGemm:
      if (ctx.sketch.tensor_cores) {
        return {{Knob::kBlockM, {32, 64, 128, 256}}, {Knob::kBlockN, {32, 64, 128, 256}}, {Knob::kBlockK, {16, 32, 64}},
                {Knob::kWarpsM, {1, 2, 4}},          {Knob::kWarpsN, {1, 2, 4}},          {Knob::kStages, {2, 3, 4}},
                {Knob::kSplitK, {1, 2, 3, 4}},       {Knob::kSwizzle, {1, 2, 4, 8}}};
      }
      return {{Knob::kBlockM, {16, 32, 64, 128}}, {Knob::kBlockN, {32, 64, 128}}, {Knob::kBlockK, {8, 16, 32}},
              {Knob::kThreadM, {1, 2, 4, 8}},     {Knob::kThreadN, {2, 4, 8}},    {Knob::kStages, {2, 3}},
              {Knob::kSplitK, {1, 2, 4}},         {Knob::kSwizzle, {1, 4, 8}}};
    case SketchKind::kAttention:
      if (ctx.sketch.tensor_cores) {
        // 16 or 32 query rows per warp; blocks of 16-32 queries keep a batch-1 ViT's few heads over a
        // wave of blocks, 64-128 share each K/V tile among more warps on long sequences.
        return {{Knob::kBlockQ, {16, 32, 64, 128}}, {Knob::kBlockKV, {32, 64, 128}}, {Knob::kWarps, {1, 2, 4, 8}},
                {Knob::kStages, {1, 2}}};
      }
      return {{Knob::kBlockQ, {8, 16, 32, 64}}, {Knob::kBlockKV, {32, 64, 128}}, {Knob::kWarps, {2, 4, 8}}};
    case SketchKind::kRowReduce: return {{Knob::kWarps, {1, 2, 4, 8, 16}}, {Knob::kRowMode, {0, 1}}};
    case SketchKind::kElementwise: return {{Knob::kThreads, {64, 128, 256, 512}}, {Knob::kVector, {1, 2, 4, 8}}, {Knob::kUnroll, {1, 2, 4}}};
    case SketchKind::kGeneric: return {{Knob::kThreads, {64, 128, 256}}};
  }
  return {};
}

ResourceEstimate EstimateResources(const SpaceContext& ctx, const Annotation& a) {
  ResourceEstimate r;
  const ProblemDims& d = ctx.dims;
  switch (ctx.sketch.kind) {
    case SketchKind::kGemm: {
      int64_t bm = a.get(Knob::kBlockM), bn = a.get(Knob::kBlockN), bk = a.get(Knob::kBlockK), s = a.get(Knob::kStages, 2);
      int64_t esz = FloatStorageBytes(ctx.precision), pad = VecElems(ctx.precision);
      int64_t a_stage = bm * (bk + pad), b_stage = d.b_k_contiguous ? bn * (bk + pad) : bk * (bn + pad);
      r.smem_bytes = s * (a_stage + b_stage) * esz;
      if (ctx.sketch.tensor_cores) {
        int64_t wm = std::max<int64_t>(1, a.get(Knob::kWarpsM, 1)), wn = std::max<int64_t>(1, a.get(Knob::kWarpsN, 1));
        r.threads = wm * wn * 32;
        int64_t acc = (bm / wm / 16) * (bn / wn / 8) * 4;
        r.registers_per_thread = acc + (bm / wm / 16) * 4 + (bn / wn / 8) * 2 + 40;
      } else {
        int64_t tm = std::max<int64_t>(1, a.get(Knob::kThreadM, 1)), tn = std::max<int64_t>(1, a.get(Knob::kThreadN, 1));
        r.threads = (bm / tm) * (bn / tn);
        r.registers_per_thread = tm * tn + tm + tn + 40;
      }
      return r;
    }
    case SketchKind::kAttention: {
      int64_t bq = a.get(Knob::kBlockQ), bkv = a.get(Knob::kBlockKV), w = std::max<int64_t>(1, a.get(Knob::kWarps));
      r.threads = w * 32;
      if (ctx.sketch.tensor_cores) {
        // emit_attention_mma.cpp: Q, then `stages` K and V tiles, rows padded by one 16-byte vector.
        int64_t esz = FloatStorageBytes(ctx.precision), pad = VecElems(ctx.precision), s = a.get(Knob::kStages, 2);
        r.smem_bytes = (bq * (d.head_dim + pad) + s * bkv * (d.head_dim + d.v_dim + 2 * pad)) * esz;
        // Per m16 tile: the score accumulators, O's accumulators, Q's fragments, softmax state.
        int64_t mt = std::max<int64_t>(1, bq / w / 16), kstep = ctx.precision == Precision::kTF32 ? 8 : 16;
        // The constant is calibrated on ptxas -v: above about 255 - 64 of these, the kernel spills.
        r.registers_per_thread = mt * (bkv / 8 * 4 + CeilDiv(d.v_dim, 8) * 4 + CeilDiv(d.head_dim, kstep) * 4 + 4) + 64;
        return r;
      }
      r.smem_bytes = (bq * d.head_dim + bkv * (d.head_dim + 1) + bkv * d.v_dim + w * bkv) * 4;
      r.registers_per_thread = (bq / w) * (CeilDiv(d.v_dim, 32) + 2) + bkv / 32 + 40;
      return r;
    }
    case SketchKind::kRowReduce: {
      int64_t w = a.get(Knob::kWarps, 1);
      int64_t t = a.get(Knob::kRowMode) == 1 ? w * 32 : 32;
      r.threads = w * 32;
      r.smem_bytes = 33 * 4;
      r.registers_per_thread = CeilDiv(std::max<int64_t>(1, d.row_len), t) * std::max(1, d.num_reductions) + 32;
      return r;
    }
    case SketchKind::kElementwise:
    case SketchKind::kGeneric:
      r.threads = a.get(Knob::kThreads, 128);
      r.registers_per_thread = 32;
      return r;
  }
  return r;
}

Status ValidateAnnotation(const SpaceContext& ctx, const Annotation& a) {
  for (const KnobSpec& k : KnobsFor(ctx)) {
    if (!a.has(k.knob)) return Status::Errorf("knob {} is not set", KnobName(k.knob));
    if (std::find(k.domain.begin(), k.domain.end(), a.get(k.knob)) == k.domain.end()) {
      return Status::Errorf("knob {}={} is outside its domain", KnobName(k.knob), a.get(k.knob));
    }
  }
  const ProblemDims& d = ctx.dims;
  if (ctx.sketch.kind == SketchKind::kGemm) {
    int64_t bm = a.get(Knob::kBlockM), bn = a.get(Knob::kBlockN), bk = a.get(Knob::kBlockK);
    if (bk % VecElems(ctx.precision) != 0) return Status::Errorf("block_k={} is not a multiple of a 16-byte vector", bk);
    if (ctx.sketch.tensor_cores) {
      if (ctx.precision == Precision::kFP32) return Status::Error("tensor cores need tf32, fp16 or bf16");
      int64_t wm = a.get(Knob::kWarpsM), wn = a.get(Knob::kWarpsN);
      if (bm % (wm * 16) != 0) return Status::Errorf("block_m={} does not split into {} warps of 16-row MMA tiles", bm, wm);
      if (bn % (wn * 16) != 0) return Status::Errorf("block_n={} does not split into {} warps of 16-column tiles", bn, wn);
    } else {
      int64_t tm = a.get(Knob::kThreadM), tn = a.get(Knob::kThreadN);
      if (bm % tm != 0 || bn % tn != 0) return Status::Error("thread tiles do not divide the block tile");
    }
    if (a.get(Knob::kSplitK) > CeilDiv(d.k, bk)) return Status::Errorf("split_k={} exceeds the {} K tiles", a.get(Knob::kSplitK), CeilDiv(d.k, bk));
    // Tiles far larger than the problem only waste the block (and fail no check otherwise).
    if (bm > 2 * std::max<int64_t>(16, d.m) || bn > 2 * std::max<int64_t>(16, d.n)) return Status::Error("block tile far larger than the matrix");
  }
  if (ctx.sketch.kind == SketchKind::kAttention && ctx.sketch.tensor_cores) {
    int64_t w = a.get(Knob::kWarps), bq = a.get(Knob::kBlockQ);
    if (ctx.precision == Precision::kFP32) return Status::Error("tensor cores need tf32, fp16 or bf16");
    if (d.head_dim % 16 != 0 || d.v_dim % 16 != 0) return Status::Errorf("head dims {}/{} are not multiples of 16", d.head_dim, d.v_dim);
    if (bq % w != 0 || (bq / w) % 16 != 0 || bq / w > 32) return Status::Errorf("block_q={} over {} warps is not 16 or 32 rows per warp", bq, w);
    if (bq > 2 * std::max<int64_t>(16, d.q_len)) return Status::Errorf("block_q={} is far larger than the {} queries", bq, d.q_len);
  } else if (ctx.sketch.kind == SketchKind::kAttention) {
    int64_t w = a.get(Knob::kWarps), bq = a.get(Knob::kBlockQ);
    if (bq % w != 0) return Status::Errorf("block_q={} does not split over {} warps", bq, w);
    if (bq / w > 8) return Status::Errorf("{} query rows per warp is too many registers", bq / w);
  }
  if (ctx.sketch.kind == SketchKind::kRowReduce && a.get(Knob::kRowMode) == 0 && a.get(Knob::kWarps) > 8) {
    return Status::Error("a warp per row with more than 8 warps leaves rows too few blocks");
  }
  ResourceEstimate r = EstimateResources(ctx, a);
  if (r.threads < 32 || r.threads > std::min(1024, ctx.arch.max_threads_per_block) || r.threads % 32 != 0) {
    return Status::Errorf("{} threads per block", r.threads);
  }
  if (r.smem_bytes > ctx.arch.shared_memory_per_block) {
    return Status::Errorf("{} bytes of shared memory exceed {}'s {} per block", r.smem_bytes, ctx.arch.arch, ctx.arch.shared_memory_per_block);
  }
  if (r.registers_per_thread > std::min(ctx.arch.registers_per_thread, 65536 / static_cast<int>(r.threads))) {
    return Status::Errorf("about {} registers per thread exceed the limit at {} threads", r.registers_per_thread, r.threads);
  }
  return Status::Ok();
}

Annotation SampleAnnotation(const SpaceContext& ctx, std::mt19937_64& rng) {
  std::vector<KnobSpec> knobs = KnobsFor(ctx);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Annotation a;
    for (const KnobSpec& k : knobs) {
      std::uniform_int_distribution<size_t> pick(0, k.domain.size() - 1);
      a.set(k.knob, k.domain[pick(rng)]);
    }
    if (ValidateAnnotation(ctx, a).ok()) return a;
  }
  return DefaultAnnotation(ctx);
}

Annotation DefaultAnnotation(const SpaceContext& ctx) {
  const ProblemDims& d = ctx.dims;
  Annotation a;
  constexpr int64_t kTargetBlocks = 132;   // one wave on an H100
  switch (ctx.sketch.kind) {
    case SketchKind::kGemm: {
      struct Tile { int64_t bm, bn, x, y; };
      // Largest tile that still gives about a wave of blocks; x/y are warps (MMA) or thread tiles (SIMT).
      std::vector<Tile> tiles = ctx.sketch.tensor_cores
                                    ? std::vector<Tile>{{128, 128, 2, 2}, {64, 128, 2, 4}, {64, 64, 2, 2}, {32, 64, 2, 2}, {32, 32, 2, 2}}
                                    : std::vector<Tile>{{128, 128, 8, 8}, {64, 64, 4, 4}, {32, 64, 2, 4}, {32, 32, 2, 2}, {16, 32, 1, 2}};
      Tile t = tiles.back();
      for (const Tile& c : tiles) {
        if (CeilDiv(d.m, c.bm) * CeilDiv(d.n, c.bn) * d.batch >= kTargetBlocks && c.bm <= 2 * std::max<int64_t>(16, d.m) &&
            c.bn <= 2 * std::max<int64_t>(16, d.n)) {
          t = c;
          break;
        }
      }
      // Deep K tiles and 4 stages keep the tensor cores fed on the long-K layers (fc2: K = 3072).
      int64_t bk = ctx.sketch.tensor_cores ? (d.k >= 512 ? 64 : 32) : 16;
      a.set(Knob::kBlockM, t.bm);
      a.set(Knob::kBlockN, t.bn);
      a.set(Knob::kBlockK, bk);
      if (ctx.sketch.tensor_cores) {
        a.set(Knob::kWarpsM, t.x);
        a.set(Knob::kWarpsN, t.y);
        a.set(Knob::kStages, 4);
      } else {
        a.set(Knob::kThreadM, t.x);
        a.set(Knob::kThreadN, t.y);
        a.set(Knob::kStages, 2);
      }
      int64_t blocks = CeilDiv(d.m, t.bm) * CeilDiv(d.n, t.bn) * d.batch;
      int64_t split = 1;
      while (split < 4 && blocks * split * 2 <= kTargetBlocks && d.k / (split * 2) >= 256) split *= 2;
      // A long reduction into a narrow output (ViT's fc2, K = 4N) leaves each block a long serial K
      // loop even at a full wave: slices of about 1024 keep up to 4 waves. At ViT-B's fc2 (197x3072x768)
      // on an H200 split 3 measured 19.3-20.0 us against 30.1 us unsplit, the tuner's best.
      if (split == 1 && d.k >= 2048 && d.k >= 2 * d.n) {
        split = std::max<int64_t>(1, std::min({int64_t{4}, d.k / 1024, 4 * kTargetBlocks / std::max<int64_t>(blocks, 1)}));
        if (!ctx.sketch.tensor_cores && split == 3) split = 2;   // the SIMT sketch's domain is 1, 2, 4
      }
      a.set(Knob::kSplitK, split);
      a.set(Knob::kSwizzle, 4);
      // Where the arch's shared memory is smaller (sm_89), fewer stages, then shallower K tiles.
      for (int64_t s : {3, 2}) {
        if (ValidateAnnotation(ctx, a).ok()) break;
        a.set(Knob::kStages, std::min<int64_t>(s, a.get(Knob::kStages)));
      }
      if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kBlockK, ctx.sketch.tensor_cores ? 32 : 16);
      break;
    }
    case SketchKind::kAttention:
      if (ctx.sketch.tensor_cores) {
        // 16 query rows per warp, double-buffered 128-key tiles (64 at tf32). Warps per block trade
        // SM coverage against sharing each K/V tile among more rows: fit on H100 timings of ViT-B/L/H,
        // SETR and DETR shapes, the busiest SM's blocks x sqrt(warps per block) is the least (ties
        // to fewer warps); one-warp blocks were never the fastest (a lone warp cannot keep its
        // cp.async copies and MMAs both in flight), nor blocks taller than the queries.
        int64_t w = 2;
        double best = 1e30;
        for (int64_t c : {2, 4, 8}) {
          if (c > 2 && 16 * c > CeilDiv(d.q_len, 16) * 16) break;
          double waves = static_cast<double>(CeilDiv(CeilDiv(d.q_len, 16 * c) * d.batch, kTargetBlocks));
          double cost = waves * std::sqrt(static_cast<double>(c));
          if (cost < best - 1e-9) {
            best = cost;
            w = c;
          }
        }
        a.set(Knob::kBlockQ, 16 * w);
        a.set(Knob::kWarps, w);
        // 128-key tiles halve the barriers and softmax rescales per key; tf32 keeps 64 (its Q fragments
        // are twice the registers, and 128-key tiles spill at head dim 80).
        a.set(Knob::kBlockKV, ctx.precision != Precision::kTF32 && d.kv_len > 64 ? 128 : 64);
        a.set(Knob::kStages, 2);
        if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kBlockKV, 64);
        if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kStages, 1);
        if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kBlockKV, 32);
        break;
      }
      a.set(Knob::kBlockQ, 16);
      a.set(Knob::kBlockKV, 64);
      a.set(Knob::kWarps, 4);
      break;
    case SketchKind::kRowReduce:
      if (d.row_len <= 1024) {
        a.set(Knob::kWarps, 4);
        a.set(Knob::kRowMode, 0);
      } else {
        a.set(Knob::kWarps, 8);
        a.set(Knob::kRowMode, 1);
      }
      break;
    case SketchKind::kElementwise:
      a.set(Knob::kThreads, 256);
      a.set(Knob::kVector, d.elements >= 256 * 4 * 132 ? 4 : 1);
      a.set(Knob::kUnroll, 1);
      break;
    case SketchKind::kGeneric: a.set(Knob::kThreads, 128); break;
  }
  return a;
}

}  // namespace agt::codegen
