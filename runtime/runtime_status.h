// The runtime's own error values. runtime/ ships inside every artifact and depends on nothing else of
// ours, so it cannot use ir/status.h; its Status carries one of the C API's status codes, so that an
// error keeps its category (no driver, wrong arch, corrupt artifact, ...) all the way to agt_status.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "runtime/include/autogtco/runtime.h"

namespace agt::runtime {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(agt_status code, std::string message) { return Status(code, std::move(message)); }

  bool ok() const { return code_ == AGT_OK; }
  agt_status code() const { return code_; }
  const std::string& message() const { return message_; }
  // Prefixes context to an error's message, keeping its code; a no-op on success.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  Status(agt_status code, std::string message) : code_(code), message_(std::move(message)) {}
  agt_status code_ = AGT_OK;
  std::string message_;
};

inline Status CorruptError(std::string message) { return Status::Error(AGT_ERROR_CORRUPT_ARTIFACT, std::move(message)); }
inline Status InvalidArgument(std::string message) { return Status::Error(AGT_ERROR_INVALID_ARGUMENT, std::move(message)); }
inline Status IoError(std::string message) { return Status::Error(AGT_ERROR_IO, std::move(message)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace agt::runtime

#define AGT_RT_CONCAT_INNER(a, b) a##b
#define AGT_RT_CONCAT(a, b) AGT_RT_CONCAT_INNER(a, b)

#define AGT_RT_RETURN_IF_ERROR(expr)                \
  do {                                              \
    ::agt::runtime::Status agt_rt_status_ = (expr); \
    if (!agt_rt_status_.ok()) return agt_rt_status_; \
  } while (0)

#define AGT_RT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#define AGT_RT_ASSIGN_OR_RETURN(lhs, expr) \
  AGT_RT_ASSIGN_OR_RETURN_IMPL(AGT_RT_CONCAT(agt_rt_expected_, __LINE__), lhs, expr)
