// Errors as values: Status and Expected<T>. Library code returns these; the CLI turns an error into
// one line on stderr and a non-zero exit. No exception crosses a library boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace agt {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message), true); }
  template <typename... Args>
  static Status Errorf(fmt::format_string<Args...> f, Args&&... args) {
    return Error(fmt::format(f, std::forward<Args>(args)...));
  }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

  // Prefixes context ("while loading model.onnx: ...") to an error; a no-op on success.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Error(context + ": " + message_);
  }

 private:
  Status(std::string message, bool failed) : message_(std::move(message)), failed_(failed) {}
  std::string message_;
  bool failed_ = false;
};

template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Expected(Status status) : v_(std::move(status)) {}      // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace agt

#define AGT_CONCAT_INNER(a, b) a##b
#define AGT_CONCAT(a, b) AGT_CONCAT_INNER(a, b)

#define AGT_RETURN_IF_ERROR(expr)             \
  do {                                        \
    ::agt::Status agt_status_ = (expr);       \
    if (!agt_status_.ok()) return agt_status_; \
  } while (0)

#define AGT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#define AGT_ASSIGN_OR_RETURN(lhs, expr) \
  AGT_ASSIGN_OR_RETURN_IMPL(AGT_CONCAT(agt_expected_, __LINE__), lhs, expr)
