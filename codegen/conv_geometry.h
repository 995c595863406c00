// A conv2d / conv2d_nhwc node's geometry as the GEMM sketches see it: input channels and extent, the
// window (kernel, strides, top/left pads, dilations) and the output extent, in either layout. One
// reading of the attributes for the mma.sync sketch (emit_gemm.cpp) and the Hopper core's convolution
// mode (sketches/gemm_sm90.cpp).
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace agt::codegen {

struct ConvGeometry2d {
  int64_t batch = 1, C = 0, H = 0, W = 0, O = 0, KH = 1, KW = 1, OH = 0, OW = 0;
  int64_t sh = 1, sw = 1, pt = 0, pl = 0, dh = 1, dw = 1;
  bool nhwc = false;   // conv2d_nhwc: x [N, H, W, C], w [O, KH, KW, C], y [N, OH, OW, O]
  int64_t M() const { return batch * OH * OW; }   // output pixels: the implicit GEMM's rows
  int64_t K() const { return C * KH * KW; }       // its reduction
};

// The geometry of a conv2d (NCHW, weight [O, C/g, KH, KW]) or conv2d_nhwc node. The verifier has checked
// the attributes (two strides and dilations, four pads).
inline ConvGeometry2d ConvGeometryOf(const ir::Node& n) {
  ConvGeometry2d c;
  const ir::Shape& xs = n.input(0)->shape();
  const ir::Shape& ws = n.input(1)->shape();
  const ir::Shape& os = n.output(0)->shape();
  const ir::Attrs& a = n.attrs();
  c.nhwc = n.op() == ir::OpKind::kConv2dNhwc;
  c.batch = xs[0];
  c.C = c.nhwc ? xs[3] : xs[1];
  c.H = c.nhwc ? xs[1] : xs[2];
  c.W = c.nhwc ? xs[2] : xs[3];
  c.O = ws[0];
  c.KH = c.nhwc ? ws[1] : ws[2];
  c.KW = c.nhwc ? ws[2] : ws[3];
  c.OH = c.nhwc ? os[1] : os[2];
  c.OW = c.nhwc ? os[2] : os[3];
  c.sh = a.ints(ir::AttrKey::kStrides)[0];
  c.sw = a.ints(ir::AttrKey::kStrides)[1];
  c.pt = a.ints(ir::AttrKey::kPads)[0];
  c.pl = a.ints(ir::AttrKey::kPads)[1];
  c.dh = a.ints(ir::AttrKey::kDilations)[0];
  c.dw = a.ints(ir::AttrKey::kDilations)[1];
  return c;
}

}  // namespace agt::codegen
