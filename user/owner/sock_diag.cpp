// Socket listing over NETLINK_SOCK_DIAG (inet_diag), one dump per address
// family. The source port is matched in the kernel by a bytecode filter (and
// again here, so a kernel that ignores it cannot widen the answer).
#include "bindtrace/owner/sock_diag.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "bindtrace/errors.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

// inet_diag_msg::idiag_timer for TIME_WAIT sockets (inet_twsk_diag_fill).
constexpr std::uint8_t kTimerTimeWait = 3;
constexpr std::size_t kRecvBufferBytes = 64 << 10;

// A TCP bound-but-not-listening socket is only dumped when bit 13
// (TCPF_BOUND_INACTIVE, Linux 6.7) is set, so ask for every bit.
constexpr std::uint32_t kAllStates = ~0U;

std::string runtime_message(const char* what, int err) {
  return std::string("sock_diag: cannot ") + what + ": " + std::strerror(err);
}

std::uint32_t current_netns() {
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return static_cast<std::uint32_t>(st.st_ino);
}

// IPv4 text for AF_INET; for AF_INET6 a v4-mapped address is shown as IPv4.
std::string address_text(int family, const std::uint8_t (&raw)[16], bool* v4_mapped) {
  char text[INET6_ADDRSTRLEN] = {};
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (family == AF_INET6 && std::memcmp(raw, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    if (v4_mapped) *v4_mapped = true;
    ::inet_ntop(AF_INET, raw + 12, text, sizeof(text));
  } else {
    ::inet_ntop(family, raw, text, sizeof(text));
  }
  return text;
}

struct DiagRequest {
  nlmsghdr header;
  inet_diag_req_v2 request;
  nlattr bytecode_attr;
  std::array<inet_diag_bc_op, 4> bytecode;
};

// "sport >= port && sport <= port". A jump landing exactly at the end of the
// program accepts; one landing 4 bytes past it rejects (inet_diag_bc_run).
std::array<inet_diag_bc_op, 4> port_bytecode(std::uint16_t port) {
  constexpr auto kOp = static_cast<std::uint8_t>(sizeof(inet_diag_bc_op));
  std::array<inet_diag_bc_op, 4> code{};
  code[0] = {INET_DIAG_BC_S_GE, 2 * kOp, 5 * kOp};
  code[1] = {0, 0, port};
  code[2] = {INET_DIAG_BC_S_LE, 2 * kOp, 3 * kOp};
  code[3] = {0, 0, port};
  return code;
}

DiagRequest make_request(const SocketQuery& query, std::uint8_t family, std::uint32_t seq) {
  DiagRequest req{};
  std::uint32_t length = NLMSG_LENGTH(sizeof(inet_diag_req_v2));
  if (query.port != 0) {
    req.bytecode_attr.nla_type = INET_DIAG_REQ_BYTECODE;
    req.bytecode_attr.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + sizeof(req.bytecode));
    req.bytecode = port_bytecode(query.port);
    length += NLA_ALIGN(req.bytecode_attr.nla_len);
  }
  static_assert(offsetof(DiagRequest, bytecode_attr) == NLMSG_LENGTH(sizeof(inet_diag_req_v2)));
  req.header.nlmsg_len = length;
  req.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.header.nlmsg_seq = seq;
  req.request.sdiag_family = family;
  req.request.sdiag_protocol = query.proto == Proto::udp ? IPPROTO_UDP : IPPROTO_TCP;
  req.request.idiag_states = query.proto == Proto::tcp && query.listening_only
                                 ? (1U << static_cast<int>(TcpState::listen))
                                 : kAllStates;
  // INET_DIAG_SKV6ONLY needs no idiag_ext bit: inet_diag_msg_attrs_fill sends it for every AF_INET6 socket.
  req.request.idiag_ext = 0;
  return req;
}

void send_request(int fd, const DiagRequest& req) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    const ssize_t n = ::sendto(fd, &req, req.header.nlmsg_len, 0, reinterpret_cast<const sockaddr*>(&kernel),
                               sizeof(kernel));
    if (n == static_cast<ssize_t>(req.header.nlmsg_len)) return;
    if (n < 0 && errno == EINTR) continue;
    throw RuntimeError(runtime_message("send the inet_diag request", n < 0 ? errno : EMSGSIZE));
  }
}

// Appends the entries of one dump to `out`, until NLMSG_DONE.
void receive_dump(int fd, std::uint32_t seq, const SocketQuery& query, std::uint32_t netns,
                  std::vector<SocketEntry>& out) {
  // nlmsghdr-aligned storage, so the NLMSG_* walk below reads aligned headers.
  std::vector<nlmsghdr> storage(kRecvBufferBytes / sizeof(nlmsghdr));
  auto* buffer = reinterpret_cast<std::uint8_t*>(storage.data());
  for (;;) {
    iovec iov{buffer, kRecvBufferBytes};
    sockaddr_nl from{};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RuntimeError(runtime_message("read the inet_diag answer", errno));
    }
    if (n == 0) throw RuntimeError("sock_diag: the kernel closed the netlink socket before the dump ended.");
    if (msg.msg_flags & MSG_TRUNC)
      throw RuntimeError("sock_diag: a netlink answer did not fit the receive buffer.");
    if (from.nl_pid != 0) continue;  // not from the kernel

    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq) continue;
      const std::size_t payload_len = h->nlmsg_len - NLMSG_HDRLEN;
      const auto* payload = static_cast<const std::uint8_t*>(NLMSG_DATA(h));
      if (h->nlmsg_type == NLMSG_DONE) {
        // Since Linux 4.x a dump that failed midway reports its error here.
        int err = 0;
        if (payload_len >= sizeof(err)) std::memcpy(&err, payload, sizeof(err));
        if (err < 0) throw RuntimeError(runtime_message("finish the inet_diag dump", -err));
        return;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        nlmsgerr err{};
        if (payload_len < sizeof(err))
          throw RuntimeError("sock_diag: the kernel sent a truncated netlink error.");
        std::memcpy(&err, payload, sizeof(err));
        if (err.error == 0) continue;  // an acknowledgement
        // ENOENT: the protocol's diag module (tcp_diag/udp_diag) is not available.
        throw RuntimeError(runtime_message(query.proto == Proto::udp
                                               ? "dump UDP sockets (is udp_diag available?)"
                                               : "dump TCP sockets (is tcp_diag available?)",
                                           -err.error));
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      auto entry = parse_inet_diag_msg({payload, payload_len}, query.proto);
      if (!entry) continue;
      if (query.port != 0 && entry->local_port != query.port) continue;
      entry->netns = netns;
      out.push_back(std::move(*entry));
    }
  }
}

}  // namespace

std::vector<SocketEntry> sock_diag_list(const SocketQuery& query) {
  if (query.proto != Proto::tcp && query.proto != Proto::udp)
    throw RuntimeError("sock_diag: only TCP and UDP sockets can be listed.");
  const std::uint32_t netns = current_netns();
  if (query.netns != 0 && netns != 0 && query.netns != netns)
    throw RuntimeError("sock_diag: asked for network namespace " + std::to_string(query.netns) +
                       ", but this thread is in " + std::to_string(netns) + ".");

  const UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd) throw RuntimeError(runtime_message("open a NETLINK_SOCK_DIAG socket", errno));

  std::vector<SocketEntry> entries;
  std::uint32_t seq = 1;
  for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
    const DiagRequest req = make_request(query, family, seq);
    send_request(fd.get(), req);
    receive_dump(fd.get(), seq, query, netns, entries);
    ++seq;
  }
  return entries;
}

std::optional<SocketEntry> parse_inet_diag_msg(std::span<const std::uint8_t> payload, Proto proto) {
  inet_diag_msg msg{};
  if (payload.size() < sizeof(msg)) return std::nullopt;
  std::memcpy(&msg, payload.data(), sizeof(msg));

  SocketEntry entry;
  entry.proto = proto;
  if (msg.idiag_family == AF_INET)
    entry.family = Family::ipv4;
  else if (msg.idiag_family == AF_INET6)
    entry.family = Family::ipv6;
  else
    return std::nullopt;
  if (msg.idiag_state < static_cast<std::uint8_t>(TcpState::established) ||
      msg.idiag_state > static_cast<std::uint8_t>(TcpState::new_syn_recv))
    return std::nullopt;
  entry.state = static_cast<TcpState>(msg.idiag_state);

  std::uint8_t src[16];
  std::uint8_t dst[16];
  std::memcpy(src, msg.id.idiag_src, sizeof(src));
  std::memcpy(dst, msg.id.idiag_dst, sizeof(dst));
  entry.local_addr = address_text(msg.idiag_family, src, &entry.v4_mapped);
  entry.remote_addr = address_text(msg.idiag_family, dst, nullptr);
  entry.local_port = ntohs(msg.id.idiag_sport);
  entry.remote_port = ntohs(msg.id.idiag_dport);
  entry.inode = msg.idiag_inode;
  entry.uid = msg.idiag_uid;
  entry.cookie = msg.id.idiag_cookie[0] | (static_cast<std::uint64_t>(msg.id.idiag_cookie[1]) << 32);
  if (msg.idiag_timer == kTimerTimeWait) entry.expires_ms = msg.idiag_expires;
  entry.options_known = false;

  // Attributes follow the message, each 4-byte aligned.
  std::size_t offset = NLMSG_ALIGN(sizeof(msg));
  while (offset < payload.size()) {
    rtattr attr{};
    if (payload.size() - offset < sizeof(attr)) return std::nullopt;
    std::memcpy(&attr, payload.data() + offset, sizeof(attr));
    if (attr.rta_len < sizeof(attr) || attr.rta_len > payload.size() - offset) return std::nullopt;
    if (attr.rta_type == INET_DIAG_SKV6ONLY) {
      if (attr.rta_len < RTA_LENGTH(1)) return std::nullopt;
      entry.v6only = payload[offset + RTA_LENGTH(0)] != 0;
    }
    offset += RTA_ALIGN(attr.rta_len);
  }
  return entry;
}

}  // namespace bindtrace
