// Finds the service definitions of a host tree and hands each to its parser.
#include "bindtrace/audit/tree_walker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "bindtrace/audit/daemon_conf.hpp"
#include "bindtrace/audit/file_kinds.hpp"
#include "bindtrace/audit/quadlet.hpp"
#include "bindtrace/audit/service_conf.hpp"
#include "bindtrace/audit/supervisor_conf.hpp"
#include "bindtrace/audit/systemd_unit.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFileBytes = 4 << 20;

// A unit's files (the unit and its drop-ins) and whether it is masked.
struct UnitState {
  std::vector<UnitFileReading> readings;
  bool masked = false;
};

// Masked: disabled. Linked in a .wants/ (or its .socket is, for a service):
// enabled. No [Install] section anywhere: static, started by others, unknown.
// Otherwise disabled.
std::optional<bool> unit_enabled(const std::string& name, const UnitState& state,
                                 const std::set<std::string>& wanted) {
  if (state.masked) return false;
  if (wanted.contains(name)) return true;
  if (name.ends_with(".service") && wanted.contains(name.substr(0, name.size() - 8) + ".socket")) return true;
  const bool installable = std::any_of(state.readings.begin(), state.readings.end(),
                                       [](const UnitFileReading& r) { return r.has_install; });
  if (!installable) return std::nullopt;
  return false;
}

class Walker {
 public:
  explicit Walker(std::string root) : root_(root == "/" ? "" : std::move(root)) {}

  void systemd_tree(const std::vector<std::string>& dirs, AuditScope scope);
  void quadlets(const std::string& dir, AuditScope scope);
  // A supervisor or nginx configuration and the files its includes name
  // (relative to `base`, or absolute under the root).
  void with_includes(const std::string& shown, FileKind kind, const std::string& base, int depth);
  void matching(const std::string& pattern, AuditScope scope);
  // The user units and quadlets of `users` (every home when empty).
  void homes(const std::vector<std::string>& users);
  void named_path(const std::string& path);

  AuditInput take() { return std::move(input_); }

 private:
  std::string real(const std::string& shown) const { return root_ + shown; }
  std::optional<std::string> read(const std::string& real_path, const std::string& shown);
  void unit_files(const std::string& dir, std::set<std::string>& seen,
                  std::map<std::string, UnitState>& units);
  std::map<std::string, std::string> passwd_homes() const;
  void add(std::vector<PortDeclaration> found, AuditScope scope) {
    for (PortDeclaration& d : found) {
      d.scope = scope;
      if (scope == AuditScope::user) d.user = current_user_;
      input_.declarations.push_back(std::move(d));
    }
  }

  void add_parsed(ParsedFile parsed, const std::string& shown, AuditScope scope) {
    if (!parsed.error.empty()) input_.unreadable.push_back({shown, std::move(parsed.error)});
    add(std::move(parsed.declarations), scope);
  }

  std::string root_;
  AuditInput input_;
  std::set<std::string> included_seen_;
  std::string current_user_;  // whose home is being read
};

std::optional<std::string> Walker::read(const std::string& real_path, const std::string& shown) {
  std::error_code ec;
  if (const fs::file_status st = fs::status(real_path, ec); !ec && !fs::is_regular_file(st)) {
    input_.unreadable.push_back(
        {shown, "not a regular file"});  // a FIFO or a device would block or never end
    return std::nullopt;
  }
  std::ifstream in(real_path, std::ios::binary);
  if (!in) {
    input_.unreadable.push_back({shown, std::strerror(errno)});
    return std::nullopt;
  }
  std::string content(kMaxFileBytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (content.size() > kMaxFileBytes) {
    input_.unreadable.push_back({shown, "larger than 4 MiB"});
    return std::nullopt;
  }
  return content;
}

// The names in the directories' *.wants/ and *.requires/ folders: links that
// may dangle under a root, so only their names are used.
std::set<std::string> wanted_units(const std::vector<std::string>& real_dirs) {
  std::set<std::string> out;
  std::error_code ec;
  for (const std::string& dir : real_dirs)
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename();
      if (!name.ends_with(".wants") && !name.ends_with(".requires")) continue;
      std::error_code inner;
      for (const auto& link : fs::directory_iterator(entry.path(), inner)) out.insert(link.path().filename());
    }
  return out;
}

void Walker::unit_files(const std::string& dir, std::set<std::string>& seen,
                        std::map<std::string, UnitState>& units) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(real(dir), ec)) entries.push_back(entry);
  std::sort(entries.begin(), entries.end());
  for (const auto& entry : entries) {
    const std::string name = entry.path().filename();
    std::error_code inner;
    if (entry.is_symlink(inner)) {
      // A link to /dev/null masks; another (a linked unit, an alias) may dangle
      // under a root: the name stays free for the next directory.
      if (fs::read_symlink(entry.path(), inner) == "/dev/null") {
        units[name].masked = true;
        seen.insert(name);
      }
      continue;
    }
    if (entry.is_directory(inner) && name.ends_with(".d")) {
      const std::string unit = name.substr(0, name.size() - 2);
      std::vector<std::string> confs;
      for (const auto& conf : fs::directory_iterator(entry.path(), inner))
        if (conf.path().extension() == ".conf") confs.push_back(conf.path().filename());
      std::sort(confs.begin(), confs.end());
      for (const std::string& conf : confs) {
        const std::string shown = dir + "/" + name + "/" + conf;
        if (auto content = read(real(shown), shown))
          units[unit].readings.push_back(parse_systemd_unit(*content, shown, unit));
      }
      continue;
    }
    if (!is_unit_name(name) || seen.contains(name) || !entry.is_regular_file(inner)) continue;
    seen.insert(name);
    const std::string shown = dir + "/" + name;
    if (auto content = read(real(shown), shown))
      units[name].readings.push_back(parse_systemd_unit(*content, shown, name));
  }
}

void Walker::systemd_tree(const std::vector<std::string>& dirs, AuditScope scope) {
  std::vector<std::string> real_dirs;
  for (const std::string& d : dirs) real_dirs.push_back(real(d));
  const std::set<std::string> wanted = wanted_units(real_dirs);
  std::set<std::string> seen;
  std::map<std::string, UnitState> units;
  for (const std::string& dir : dirs) unit_files(dir, seen, units);
  for (auto& [name, state] : units) {
    const std::optional<bool> enabled = unit_enabled(name, state, wanted);
    std::string program;
    for (const UnitFileReading& r : state.readings)
      if (!r.program.empty()) program = r.program;
    for (UnitFileReading& r : state.readings) {
      for (const std::string& env : r.environment_files) {
        std::error_code missing;
        if (!env.starts_with('/') || !fs::exists(real(env), missing)) continue;
        if (auto content = read(real(env), env)) {
          for (PortDeclaration& d : parse_env_file(*content, env, name)) {
            d.manager = ManagerKind::systemd;
            d.source = "EnvironmentFile " + d.source;
            r.declarations.push_back(std::move(d));
          }
        }
      }
      for (PortDeclaration& d : r.declarations) {
        d.enabled = enabled;
        d.program = program;
      }
      add(std::move(r.declarations), scope);
    }
  }
}

void Walker::quadlets(const std::string& dir, AuditScope scope) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(real(dir), ec))
    if (entry.path().extension() == ".container") names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string shown = dir + "/" + name;
    if (auto content = read(real(shown), shown)) add(parse_quadlet(*content, shown, name), scope);
  }
}

void Walker::with_includes(const std::string& shown, FileKind kind, const std::string& base, int depth) {
  if (depth > 8 || !included_seen_.insert(shown).second) return;
  std::error_code ec;
  if (!fs::exists(real(shown), ec)) return;
  const auto content = read(real(shown), shown);
  if (!content) return;
  std::vector<std::string> includes;
  if (kind == FileKind::nginx) {
    NginxReading reading = parse_nginx_conf(*content, shown);
    add(std::move(reading.declarations), AuditScope::system);
    includes = std::move(reading.includes);
  } else {
    SupervisorReading reading = parse_supervisor_conf(*content, shown);
    add(std::move(reading.declarations), AuditScope::system);
    includes = std::move(reading.includes);
  }
  for (const std::string& pattern : includes) {
    const std::string full = pattern.starts_with('/') ? pattern : base + "/" + pattern;
    for (const std::string& match : glob_under(root_, full)) {
      const std::string next_base = kind == FileKind::nginx ? base : fs::path(match).parent_path().string();
      with_includes(match, kind, next_base, depth + 1);
    }
  }
}

void Walker::matching(const std::string& pattern, AuditScope scope) {
  for (const std::string& shown : glob_under(root_, pattern)) {
    if (auto content = read(real(shown), shown))
      add_parsed(parse_by_kind(kind_of(shown, *content), *content, shown), shown, scope);
  }
}

// Login name -> home directory, from the root's /etc/passwd (empty when unreadable).
std::map<std::string, std::string> Walker::passwd_homes() const {
  std::map<std::string, std::string> out;
  std::ifstream in(real("/etc/passwd"));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t colon; (colon = line.find(':', start)) != std::string::npos; start = colon + 1)
      fields.push_back(line.substr(start, colon - start));
    fields.push_back(line.substr(start));
    if (fields.size() >= 6 && !fields[0].empty() && fields[5].starts_with('/')) out[fields[0]] = fields[5];
  }
  return out;
}

void Walker::homes(const std::vector<std::string>& users) {
  const std::map<std::string, std::string> passwd = passwd_homes();
  std::vector<std::pair<std::string, std::string>> homes;  // user, home
  if (users.empty()) {
    std::map<std::string, std::string> owner_of;
    for (const auto& [name, home] : passwd) owner_of.emplace(home, name);
    std::vector<std::string> dirs = glob_under(root_, "/home/*");
    dirs.push_back("/root");
    for (const std::string& home : dirs) {
      const auto known = owner_of.find(home);
      homes.emplace_back(known != owner_of.end() ? known->second : fs::path(home).filename().string(), home);
    }
  } else {
    for (const std::string& user : users) {
      const auto known = passwd.find(user);
      const std::string home = known != passwd.end() ? known->second : user == "root" ? "/root" : "/home/" + user;
      std::error_code ec;
      if (!fs::is_directory(real(home), ec))
        throw UsageError("audit: --user '" + escape_for_terminal(user) + "': no home directory " +
                         escape_for_terminal(home) + (root_.empty() ? "" : " under the root"));
      homes.emplace_back(user, home);
    }
  }
  for (const auto& [user, home] : homes) {
    current_user_ = user;
    systemd_tree({home + "/.config/systemd/user"}, AuditScope::user);
    quadlets(home + "/.config/containers/systemd", AuditScope::user);
  }
  current_user_.clear();
}

void Walker::named_path(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw UsageError("audit: '" + escape_for_terminal(path) + "' does not exist");
  std::vector<std::string> files;
  if (fs::is_directory(st)) {
    for (const auto& entry :
         fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec))
      if (entry.is_regular_file(ec)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(st)) {
    files.push_back(path);
  } else {
    throw UsageError("audit: '" + escape_for_terminal(path) + "' is not a regular file or a directory");
  }
  for (const std::string& file : files) {
    const auto content = read(file, file);
    if (!content) continue;
    const FileKind kind = kind_of(file, *content);
    if (kind == FileKind::unknown) {
      if (fs::is_directory(st)) continue;
      throw UsageError("audit: '" + escape_for_terminal(path) +
                       "' is not a file audit reads (unit, quadlet, compose, supervisor, nginx, redis, "
                       "postgresql.conf, .env)");
    }
    add_parsed(parse_by_kind(kind, *content, file), file, AuditScope::file);
  }
}

}  // namespace

AuditInput read_definitions(const std::string& root, const std::vector<std::string>& paths,
                            const std::vector<std::string>& users) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw UsageError("audit: --root '" + escape_for_terminal(root) + "' is not a directory");
  Walker walker(root);
  walker.systemd_tree({"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"},
                      AuditScope::system);
  walker.quadlets("/etc/containers/systemd", AuditScope::system);
  walker.with_includes("/etc/supervisor/supervisord.conf", FileKind::supervisor, "/etc/supervisor", 0);
  walker.with_includes("/etc/supervisord.conf", FileKind::supervisor, "/etc", 0);
  walker.with_includes("/etc/nginx/nginx.conf", FileKind::nginx, "/etc/nginx", 0);
  walker.matching("/etc/redis/*.conf", AuditScope::system);
  walker.matching("/etc/postgresql/*/*/postgresql.conf", AuditScope::system);
  walker.homes(users);
  for (const char* dir : {"/srv/*", "/opt/*", "/home/*", "/home/*/*"})
    for (const char* name : {"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"})
      walker.matching(std::string(dir) + "/" + name,
                      std::string_view(dir).starts_with("/home") ? AuditScope::user : AuditScope::system);
  for (const std::string& path : paths) walker.named_path(path);
  return walker.take();
}

}  // namespace bindtrace
