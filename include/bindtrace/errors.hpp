// Error types that carry their exit code (0 ok, 1 runtime failure,
// 2 usage error, 3 missing privilege or kernel support). Messages are one
// sentence for a person, without the "bindtrace:" prefix.
#pragma once

#include <stdexcept>
#include <string>

namespace bindtrace {

enum class ExitCode : int { ok = 0, runtime = 1, usage = 2, unsupported = 3 };

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

struct UsageError : Error {
  explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

struct RuntimeError : Error {
  explicit RuntimeError(const std::string& message) : Error(ExitCode::runtime, message) {}
};

// Missing capability or kernel feature; the message names exactly which.
struct UnsupportedError : Error {
  explicit UnsupportedError(const std::string& message) : Error(ExitCode::unsupported, message) {}
};

}  // namespace bindtrace
