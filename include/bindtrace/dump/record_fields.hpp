// Typed reads of one key of an untrusted JSON record (a line of the event
// log): a missing key or a value of the wrong type reads as "absent", never
// as an exception.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace bindtrace {

// The object at `key`, or nullptr.
[[nodiscard]] inline const nlohmann::json* object_field(const nlohmann::json& record, const char* key) {
  if (!record.is_object()) return nullptr;
  const auto it = record.find(key);
  return it != record.end() && it->is_object() ? &*it : nullptr;
}

// The string at `key`, or "" when absent or not a string.
[[nodiscard]] inline std::string string_field(const nlohmann::json& record, const char* key) {
  if (!record.is_object()) return {};
  const auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The non-negative integer at `key`, or nullopt.
[[nodiscard]] inline std::optional<std::uint64_t> unsigned_field(const nlohmann::json& record,
                                                                 const char* key) {
  if (!record.is_object()) return std::nullopt;
  const auto it = record.find(key);
  if (it == record.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  const auto value = it->get<std::int64_t>();
  if (value < 0) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

// "port" when it is a port number (0..65535).
[[nodiscard]] inline std::optional<std::uint16_t> port_field(const nlohmann::json& record) {
  const auto port = unsigned_field(record, "port");
  if (!port || *port > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(*port);
}

}  // namespace bindtrace
