// The event as JSON: the line of the output contract (docs/events.md) and the
// objects `who` and `check` embed in their own lines. Value -> text only; the
// sinks do the writing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bindtrace/events/events.hpp"
#include "bindtrace/format/json_writer.hpp"

namespace bindtrace {

// One line, always valid UTF-8 JSON, ending in '\n'.
[[nodiscard]] std::string event_to_json_line(const Event& event);

// Each writes one JSON value (an object, or the array of ports) into `w`.
void write_event(JsonWriter& w, const Event& event);
// The "owner" object: kind, state, source, holders, sockets, reason.
void write_owner(JsonWriter& w, const Owner& owner);
// One socket: proto, family, addr, port, state, options, uid, inode.
void write_socket(JsonWriter& w, const SocketEntry& socket);
// The "diagnosis" object: code, summary, remedies, restart_loop.
void write_diagnosis(JsonWriter& w, const Diagnosis& diagnosis);
// Port numbers as an array ("alternatives").
void write_ports(JsonWriter& w, const std::vector<std::uint16_t>& ports);

}  // namespace bindtrace
