// The log + flight recorder merge of `dump`: identity of an event across both
// sources, and the --since/--until/--port selection.
#include "bindtrace/dump/merge.hpp"

#include <algorithm>

#include "bindtrace/dump/record_fields.hpp"

namespace bindtrace {
namespace {

struct Identity {
  std::optional<std::uint64_t> seq;
  std::uint64_t pid = 0;
  std::uint64_t tid = 0;
  std::string event;
};

Identity identity_of(const nlohmann::json& record) {
  Identity id;
  if (auto seq = unsigned_field(record, "seq"); seq && *seq != 0) id.seq = seq;
  if (const nlohmann::json* process = object_field(record, "process")) {
    id.pid = unsigned_field(*process, "pid").value_or(0);
    id.tid = unsigned_field(*process, "tid").value_or(0);
  }
  id.event = string_field(record, "event");
  return id;
}

template <typename Map, typename Key>
std::optional<std::size_t> lookup(const Map& map, const Key& key) {
  const auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

}  // namespace

bool DumpSelection::matches(const nlohmann::json& record, std::int64_t time_ns) const {
  if (since_ns && time_ns < *since_ns) return false;
  if (until_ns && time_ns > *until_ns) return false;
  if (ports.none()) return true;
  const auto port = port_field(record);
  return port && ports.test(*port);
}

std::optional<std::size_t> EventIdentityIndex::find(const nlohmann::json& record,
                                                    std::int64_t time_ns) const {
  const Identity id = identity_of(record);
  const TimeKey by_time{time_ns, id.pid, id.tid, id.event};
  if (id.seq) {
    if (auto found = lookup(by_seq_, SeqKey{*id.seq, id.pid, id.tid, id.event})) return found;
    return lookup(by_time_without_seq_, by_time);
  }
  if (auto found = lookup(by_time_without_seq_, by_time)) return found;
  return lookup(by_time_with_seq_, by_time);
}

void EventIdentityIndex::insert(const nlohmann::json& record, std::int64_t time_ns, std::size_t id_value) {
  Identity id = identity_of(record);
  TimeKey by_time{time_ns, id.pid, id.tid, id.event};
  if (id.seq) {
    by_seq_.emplace(SeqKey{*id.seq, id.pid, id.tid, std::move(id.event)}, id_value);
    by_time_with_seq_.emplace(std::move(by_time), id_value);
  } else {
    by_time_without_seq_.emplace(std::move(by_time), id_value);
  }
}

void DumpMerge::add_recorder(DumpRecord record) {
  recorder_index_.insert(record.record, record.time_ns, recorder_.size());
  recorder_.push_back(std::move(record));
  recorder_in_log_.push_back(false);
}

bool DumpMerge::add_log(const nlohmann::json& record, std::int64_t time_ns) {
  if (auto in_recorder = recorder_index_.find(record, time_ns)) recorder_in_log_[*in_recorder] = true;
  if (!selection_.matches(record, time_ns)) return false;
  if (selected_log_index_.find(record, time_ns)) {
    ++repeated_;
    return false;
  }
  selected_log_index_.insert(record, time_ns, 0);
  return true;
}

std::vector<DumpRecord> DumpMerge::take_recorder_only() {
  std::vector<DumpRecord> only;
  for (std::size_t i = 0; i < recorder_.size(); ++i) {
    if (!recorder_in_log_[i] && selection_.matches(recorder_[i].record, recorder_[i].time_ns))
      only.push_back(std::move(recorder_[i]));
  }
  std::stable_sort(only.begin(), only.end(),
                   [](const DumpRecord& a, const DumpRecord& b) { return a.time_ns < b.time_ns; });
  return only;
}

std::uint64_t DumpMerge::recorder_not_in_log() const {
  return static_cast<std::uint64_t>(std::count(recorder_in_log_.begin(), recorder_in_log_.end(), false));
}

}  // namespace bindtrace
