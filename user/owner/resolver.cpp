// Owner resolution: index -> iterators -> sock_diag + /proc, in the failing
// process's network namespace, keeping only the sockets that really conflict.
#include "bindtrace/owner/resolver.hpp"

#include <arpa/inet.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>

#include <cstring>
#include <set>

#include "bindtrace/attribute.hpp"
#include "bindtrace/owner/listener_index.hpp"
#include "bindtrace/owner/pinned_holder_walk.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/owner/conflict.hpp"
#include "bindtrace/owner/iterators.hpp"
#include "bindtrace/owner/kernel_records.hpp"
#include "bindtrace/owner/netns.hpp"
#include "bindtrace/owner/proc_fd_scan.hpp"
#include "bindtrace/owner/shared_socket.hpp"
#include "bindtrace/owner/sock_diag.hpp"
#include "bindtrace/proc/proc_reader.hpp"
#include "bindtrace/proc/snapshot_reader.hpp"
#include "bindtrace/proc/user_names.hpp"

namespace bindtrace {
namespace {

// How long a lookup that missed the index waits for its start-up walk.
constexpr std::chrono::milliseconds kIndexSeedWait{2000};

// The holder's service as attribution named it (fill_holder). A holder that
// exited between the socket walk and its /proc read has none: it is attributed
// from what was recorded of it (comm, cgroup, uid), which still names the
// forwarders known by their program name (docker-proxy, dockerd, conmon,
// rootlessport) but not pasta or slirp4netns, whose container is in their argv.
Service service_of(const Holder& h) {
  return h.service ? *h.service : attribute_exited_process(h.cgroup, h.comm, h.uid);
}

// A systemd manager holding the socket (pid 1 or systemd --user) means socket
// activation; a forwarder or conmon means a container publishes the port.
OwnerKind kind_of(const std::vector<Holder>& holders) {
  OwnerKind kind = OwnerKind::process;
  for (const Holder& h : holders) {
    const Service service = service_of(h);
    if (h.pid == 1 || service.socket_activation) return OwnerKind::socket_activation;
    if (holds_port_for_container(service)) kind = OwnerKind::forwarder;
  }
  return kind;
}

std::string state_label(const SocketEntry& s) {
  if (s.proto == Proto::udp) return "BOUND";
  return std::string(tcp_state_name(s.state));
}

// The index's record as a socket entry, so the same conflict rules apply.
SocketEntry entry_from_listener(const bt_listener_key& key, const bt_listener& l) {
  SocketEntry e;
  e.proto = key.proto == BT_INDEX_UDP ? Proto::udp : Proto::tcp;
  e.family = key.family == AF_INET6 ? Family::ipv6 : Family::ipv4;
  e.state = key.proto == BT_INDEX_UDP ? TcpState::close : TcpState::listen;
  e.local_port = key.port;
  e.netns = key.netns;
  e.uid = l.uid;
  apply_sock_flags(e, l.sock_flags);
  e.local_addr = kernel_address_text(key.family, l.addr, &e.v4_mapped);
  return e;
}

}  // namespace

std::string_view owner_kind_name(OwnerKind kind) noexcept {
  switch (kind) {
    case OwnerKind::process: return "process";
    case OwnerKind::time_wait: return "time_wait";
    case OwnerKind::forwarder: return "forwarder";
    case OwnerKind::socket_activation: return "socket_activation";
    case OwnerKind::gone: return "gone";
    case OwnerKind::unknown: return "unknown";
  }
  return "unknown";
}

std::string_view owner_source_name(OwnerSource source) noexcept {
  switch (source) {
    case OwnerSource::none: return "none";
    case OwnerSource::index: return "index";
    case OwnerSource::iterators: return "iterators";
    case OwnerSource::sock_diag: return "sock_diag";
  }
  return "none";
}

OwnerResolver::OwnerResolver(ResolverOptions options, const ListenerIndex* index)
    : options_(std::move(options)), index_(index) {}

OwnerResolver::~OwnerResolver() = default;

SocketIterators* OwnerResolver::iterators() {
  if (!iterators_tried_) {
    iterators_tried_ = true;
    const KernelFacts facts = probe_kernel_facts();
    if (!facts.can_trace()) {
      iterators_error_ = "BPF socket iterators need CAP_BPF and CAP_PERFMON (or root)";
      return nullptr;
    }
    try {
      iterators_ = std::make_unique<SocketIterators>();
    } catch (const Error& e) {
      iterators_error_ = e.what();
    }
  }
  return iterators_.get();
}

PinnedHolderWalk* OwnerResolver::pinned_walk() {
  if (!pinned_walk_tried_ && !options_.agent_pin_dir.empty()) {
    pinned_walk_tried_ = true;
    pinned_walk_ = PinnedHolderWalk::open(options_.agent_pin_dir, pinned_walk_error_);
  }
  return pinned_walk_.get();
}

const std::string& OwnerResolver::cgroup2_root() {
  if (!cgroup2_root_looked_up_) {
    cgroup2_root_looked_up_ = true;
    if (options_.cgroup2_root.empty()) options_.cgroup2_root = find_cgroup2_mount();
  }
  return options_.cgroup2_root;
}

void OwnerResolver::fill_holder(Holder& h, const ProcessSnapshot& process) {
  if (h.start_time == 0) h.start_time = process.start_time;
  if (h.ppid == 0) h.ppid = process.ppid;
  // The /proc scan already filled these; the iterators and the index did not.
  if (h.comm.empty()) h.comm = process.comm;
  if (h.cmdline.empty()) h.cmdline = process.cmdline;
  if (h.cgroup.empty()) {
    h.cgroup = process.cgroup;
    h.uid = process.uid;
  }
  if (h.exe.empty()) h.exe = process.exe;
  if (h.cwd.empty()) h.cwd = process.cwd;
  if (!h.service && !process.exited) {
    h.service = attribute(process);
    add_user_name(*h.service);
  }
}

// Guard against pid reuse: the snapshot is nullopt when the start time
// changed while it was read, and the holder is dropped (counted).
bool OwnerResolver::fill_from_proc(Holder& h) {
  const auto process = read_snapshot(h.pid, options_.proc_root);
  if (!process) {
    ++stats_.pid_reused;
    return false;
  }
  fill_holder(h, *process);
  return true;
}

std::vector<SocketEntry> OwnerResolver::list_sockets(const SocketQuery& query, OwnerSource& source,
                                                    bool prefer_sock_diag) {
  if (options_.force == OwnerSource::index)
    throw UsageError("the listener index only answers for traced failures; use iterators or sock_diag here");
  const bool want_iterators =
      options_.force ? *options_.force == OwnerSource::iterators
                     : !(options_.prefer_sock_diag || (prefer_sock_diag && !iterators_));
  if (want_iterators) {
    if (SocketIterators* it = iterators()) {
      source = OwnerSource::iterators;
      return it->list(query);
    }
    if (options_.force) throw UnsupportedError(iterators_error_);
  }
  source = OwnerSource::sock_diag;
  return sock_diag_list(query);
}

std::vector<Holder> OwnerResolver::find_holders(const std::vector<SocketEntry>& sockets, OwnerSource source) {
  std::set<std::uint64_t> inodes;
  for (const SocketEntry& s : sockets)
    if (s.inode != 0) inodes.insert(s.inode);
  if (inodes.empty()) return {};
  std::vector<Holder> holders;
  if (source == OwnerSource::iterators && iterators()) {
    holders = iterators()->holders(inodes);
  } else if (PinnedHolderWalk* walk = pinned_walk()) {
    holders = walk->holders(inodes);
    holders_from_ = "agent pins";
  } else {
    holders = scan_socket_holders(inodes, options_.proc_root);
    holders_from_ = "proc scan";
  }
  std::vector<Holder> kept;
  for (Holder& h : holders)
    if (fill_from_proc(h)) kept.push_back(std::move(h));
  order_holders_by_role(kept);
  return kept;
}

// The index names the process that called listen(); the processes forked
// from it hold the same socket and stay in its cgroup. Only the fd tables of
// that cgroup's members are read: a few for a unit, a container or a
// supervisor program; every process where nothing manages cgroups (then it
// costs what the /proc path costs). Loading the BPF iterators instead would
// put their ~70 ms load on the first event.
std::vector<Holder> OwnerResolver::with_sharers(Holder listener, std::uint64_t inode) {
  listener.inode = inode;
  const std::uint32_t listener_pid = listener.pid;
  const auto members = inode == 0 ? std::nullopt : cgroup_members(cgroup2_root(), listener.cgroup);
  std::vector<Holder> holders;
  holders.push_back(std::move(listener));
  if (inode == 0) return holders;
  std::vector<Holder> found = members ? scan_socket_holders_among(*members, {inode}, options_.proc_root)
                                      : scan_socket_holders({inode}, options_.proc_root);
  std::set<std::uint32_t> seen{listener_pid};
  for (Holder& h : found) {
    if (h.pid == listener_pid && holders.front().fd < 0) holders.front().fd = h.fd;
    if (seen.insert(h.pid).second && fill_from_proc(h)) holders.push_back(std::move(h));
  }
  order_holders_by_role(holders);
  return holders;
}

Owner OwnerResolver::classify(std::vector<SocketEntry> sockets, OwnerSource source) {
  Owner owner;
  owner.source = source;
  std::vector<SocketEntry> held;
  for (const SocketEntry& s : sockets) {
    if (s.state == TcpState::time_wait) {
      ++owner.time_wait_count;
      if (s.expires_ms >= 0 && (owner.expires_ms < 0 || s.expires_ms < owner.expires_ms))
        owner.expires_ms = s.expires_ms;
    } else {
      held.push_back(s);
    }
  }
  owner.sockets = std::move(sockets);
  if (held.empty()) {
    if (owner.time_wait_count > 0) {
      owner.kind = OwnerKind::time_wait;
      owner.state = "TIME_WAIT";
    } else {
      owner.kind = OwnerKind::unknown;
    }
    return owner;
  }
  owner.state = state_label(held.front());
  owner.holders = find_holders(held, source);
  if (owner.holders.empty()) {
    owner.kind = OwnerKind::unknown;
    owner.reason = ::geteuid() != 0
                       ? "held by a process this user cannot see (run as root)"
                       : "the socket has no visible holder (another PID namespace, or it is being closed)";
    return owner;
  }
  owner.kind = kind_of(owner.holders);
  return owner;
}

std::optional<Owner> OwnerResolver::from_index(const Event& event) {
  if (!index_) return std::nullopt;
  const BindRequest req = bind_request_from(event);
  const __u8 proto = event.proto == Proto::udp ? BT_INDEX_UDP : BT_INDEX_TCP;
  // An IPv6 dual-stack wildcard blocks IPv4 requests and the reverse: look at both families.
  for (int family : {AF_INET, AF_INET6}) {
    const bt_listener_key key{event.netns, event.endpoint.port, proto, static_cast<__u8>(family)};
    const auto listener = index_->lookup_listener(key);
    if (!listener || listener->tgid == 0) continue;
    SocketEntry entry = entry_from_listener(key, *listener);
    if (!conflicts(req, entry)) continue;
    // An SO_REUSEPORT group is several sockets and the index keeps the last
    // one: the walk below finds them all.
    if (entry.reuseport) return std::nullopt;
    Holder h;
    h.pid = listener->tgid;
    h.comm.assign(listener->comm, strnlen(listener->comm, sizeof(listener->comm)));
    h.uid = listener->uid;
    // A listener that closed before this failure is history, not the owner.
    if (listener->closed_ns != 0 && listener->closed_ns < event.boot_ns) continue;
    const auto process = read_snapshot(h.pid, options_.proc_root);
    // The holder must still be the same process: /proc's start time (clock
    // ticks) against the kernel's start_boottime (ns).
    const std::uint64_t expected_ticks = listener->start_ns / ns_per_clock_tick();
    const auto start = process ? std::optional(process->start_time) : std::nullopt;
    const bool same_process = start && (*start == expected_ticks || *start + 1 == expected_ticks || *start == expected_ticks + 1);
    if (listener->closed_ns != 0 || !same_process) {
      Owner gone;
      gone.kind = OwnerKind::gone;
      gone.source = OwnerSource::index;
      gone.state = state_label(entry);
      gone.reason = "pid " + std::to_string(h.pid) + " (" + h.comm + ") held it and " +
                    (same_process ? "closed it" : "exited") + " before we looked";
      gone.sockets = {entry};
      gone.holders = {h};
      return gone;
    }
    h.start_time = *start;
    fill_holder(h, *process);
    Owner owner;
    owner.source = OwnerSource::index;
    owner.state = state_label(entry);
    entry.inode = listener->ino;
    owner.sockets = {entry};
    owner.holders = with_sharers(std::move(h), listener->ino);
    owner.kind = kind_of(owner.holders);
    ++stats_.index_hits;
    return owner;
  }
  return std::nullopt;
}

std::optional<Owner> OwnerResolver::resolve(const Event& event) {
  if (!has_blocking_owner(event)) return std::nullopt;
  ++stats_.lookups;
  std::optional<Owner> gone;
  // Right after start the index may still be walking the listeners that were
  // there before it: a hit (what the state hook recorded) is good; a miss is
  // asked again once the walk is done (tens of ms). Only if it does not end
  // does the lookup fall back, saying so.
  bool index_seeding = false;
  if (!options_.force || *options_.force == OwnerSource::index) {
    auto owner = from_index(event);
    if (!owner && index_ && index_->has_listener_index() &&
        !index_->wait_until_ready(std::chrono::milliseconds(0))) {
      index_seeding = !index_->wait_until_ready(kIndexSeedWait);
      if (index_seeding)
        ++stats_.index_not_ready;
      else
        owner = from_index(event);
    }
    if (owner) {
      if (owner->kind != OwnerKind::gone) return owner;
      gone = std::move(owner);
    }
    if (options_.force) {
      if (gone) return gone;
      ++stats_.failures;
      Owner none;
      none.reason = !index_ || !index_->has_listener_index() ? "no listener index"
                    : index_seeding ? "not in the listener index (its start-up walk had not finished)"
                                    : "not in the listener index";
      return none;
    }
  }
  try {
    NetnsScope in_netns(event.netns, event.process.pid);
    OwnerSource source = OwnerSource::none;
    SocketQuery query;
    query.proto = event.proto == Proto::udp ? Proto::udp : Proto::tcp;
    query.port = event.endpoint.port;
    // The index's walk did not finish: loading the iterators as well would
    // only add to this event's delay.
    auto sockets = list_sockets(query, source, index_seeding);
    auto conflicting = conflicting_sockets(bind_request_from(event), sockets);
    // iter/tcp walks the listening and established tables only; sock_diag also
    // dumps sockets bound without listen() (kernel 6.7+).
    if (conflicting.empty() && !options_.force && source == OwnerSource::iterators) {
      source = OwnerSource::sock_diag;
      sockets = sock_diag_list(query);
      conflicting = conflicting_sockets(bind_request_from(event), sockets);
    }
    Owner owner = classify(std::move(conflicting), source);
    if (index_seeding && owner.reason.empty())
      owner.reason = "looked up by " + std::string(owner_source_name(source)) +
                     ": the listener index's start-up walk had not finished";
    if (owner.kind == OwnerKind::unknown && owner.sockets.empty()) {
      if (gone) return gone;
      ++stats_.failures;
      owner.reason = sockets.empty()
                         ? "nothing is bound to the port any more (released before we looked)"
                         : "no socket on the port conflicts by the kernel's rules (it was released before we looked)";
    }
    return owner;
  } catch (const Error& e) {
    ++stats_.failures;
    Owner owner;
    owner.reason = e.what();
    return owner;
  }
}

Owner OwnerResolver::resolve_port(Proto proto, std::uint16_t port, std::uint32_t netns, std::uint32_t hint_pid) {
  ++stats_.lookups;
  NetnsScope in_netns(netns, hint_pid);
  OwnerSource source = OwnerSource::none;
  SocketQuery query;
  query.proto = proto;
  query.port = port;
  auto sockets = list_sockets(query, source);
  // Client sockets that merely use the port as their local end still hold it.
  Owner owner = classify(std::move(sockets), source);
  if (owner.kind == OwnerKind::unknown && owner.sockets.empty()) owner.reason = "free";
  return owner;
}

std::vector<Owner> OwnerResolver::list_listeners(std::uint32_t netns) {
  NetnsScope in_netns(netns);
  std::vector<Owner> owners;
  for (Proto proto : {Proto::tcp, Proto::udp}) {
    OwnerSource source = OwnerSource::none;
    SocketQuery query;
    query.proto = proto;
    query.listening_only = true;
    std::vector<SocketEntry> sockets = list_sockets(query, source);
    // One holder walk for all sockets, not one per socket.
    const std::vector<Holder> holders = find_holders(sockets, source);
    for (SocketEntry& s : sockets) {
      ++stats_.lookups;
      Owner owner;
      owner.source = source;
      owner.state = state_label(s);
      for (const Holder& h : holders)
        if (h.inode == s.inode) owner.holders.push_back(h);
      owner.kind = owner.holders.empty() ? OwnerKind::unknown : kind_of(owner.holders);
      if (owner.holders.empty()) owner.reason = "no visible holder";
      owner.sockets.push_back(std::move(s));
      owners.push_back(std::move(owner));
    }
  }
  return owners;
}

}  // namespace bindtrace
