// Names for kernel socket states (include/net/tcp_states.h), as `ss` prints them.
#include "bindtrace/sockets.hpp"

namespace bindtrace {

std::string_view tcp_state_name(TcpState state) noexcept {
  switch (state) {
    case TcpState::established: return "ESTABLISHED";
    case TcpState::syn_sent: return "SYN_SENT";
    case TcpState::syn_recv: return "SYN_RECV";
    case TcpState::fin_wait1: return "FIN_WAIT1";
    case TcpState::fin_wait2: return "FIN_WAIT2";
    case TcpState::time_wait: return "TIME_WAIT";
    case TcpState::close: return "CLOSE";
    case TcpState::close_wait: return "CLOSE_WAIT";
    case TcpState::last_ack: return "LAST_ACK";
    case TcpState::listen: return "LISTEN";
    case TcpState::closing: return "CLOSING";
    case TcpState::new_syn_recv: return "NEW_SYN_RECV";
  }
  return "UNKNOWN";
}

}  // namespace bindtrace
