// NumPy .npy files to and from ir::Tensor: how inputs reach the reference interpreter and the
// compiled model from the command line, and how outputs leave them (`autogtco ir --run`, `run`).
// Little-endian f32, f16, i64, i32, i8 and bool in C order; header versions 1.0, 2.0 and 3.0 are
// read, 1.0 is written (2.0 when the header would not fit). bf16 has no NumPy dtype and is refused.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/status.h"
#include "ir/tensor.h"

namespace agt::ir {

// `what` names the source in error messages (a file name).
Expected<Tensor> DecodeNpy(std::span<const uint8_t> bytes, std::string_view what = "<npy>");
Expected<std::vector<uint8_t>> EncodeNpy(const Tensor& t);

Expected<Tensor> ReadNpy(const std::string& path);
Status WriteNpy(const std::string& path, const Tensor& t);

}  // namespace agt::ir
