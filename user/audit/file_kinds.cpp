// What kind of definition a file is, and the parser that reads that kind.
#include "bindtrace/audit/file_kinds.hpp"

#include <glob.h>

#include <filesystem>

#include "bindtrace/audit/compose_file.hpp"
#include "bindtrace/audit/daemon_conf.hpp"
#include "bindtrace/audit/quadlet.hpp"
#include "bindtrace/audit/service_conf.hpp"
#include "bindtrace/audit/supervisor_conf.hpp"
#include "bindtrace/audit/systemd_unit.hpp"

namespace bindtrace {
namespace {

std::string base_name(const std::string& path) {
  return std::filesystem::path(path).filename();
}

bool is_compose_name(std::string_view name) {
  for (const std::string_view stem : {"compose", "docker-compose"})
    for (const std::string_view ext : {".yaml", ".yml"})
      if (name.size() == stem.size() + ext.size() && name.starts_with(stem) && name.ends_with(ext))
        return true;
  return name.ends_with(".compose.yaml") || name.ends_with(".compose.yml");
}

// /etc/postgresql/15/main/postgresql.conf -> "postgresql 15/main".
std::string postgresql_name(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string cluster = p.parent_path().filename();
  const std::string version = p.parent_path().parent_path().filename();
  return cluster.empty() || version.empty() ? "postgresql" : "postgresql " + version + "/" + cluster;
}

}  // namespace

bool is_unit_name(std::string_view name) noexcept {
  return name.ends_with(".service") || name.ends_with(".socket");
}

FileKind kind_of(const std::string& path, std::string_view content) {
  const std::string name = base_name(path);
  if (is_unit_name(name)) return FileKind::systemd_unit;
  if (name.ends_with(".container")) return FileKind::quadlet;
  if (is_compose_name(name)) return FileKind::compose;
  if (name == "postgresql.conf") return FileKind::postgresql;
  if (name == "nginx.conf") return FileKind::nginx;
  if (name.starts_with("redis") && name.ends_with(".conf")) return FileKind::redis;
  if (name == ".env" || name.ends_with(".env") || name.starts_with(".env.")) return FileKind::env;
  if (name == "supervisord.conf" ||
      (name.ends_with(".conf") && content.find("[program:") != std::string_view::npos))
    return FileKind::supervisor;
  return FileKind::unknown;
}

ParsedFile parse_by_kind(FileKind kind, std::string_view content, const std::string& shown) {
  const std::string name = base_name(shown);
  switch (kind) {
    case FileKind::systemd_unit:
      return {parse_systemd_unit(content, shown, name).declarations, {}};
    case FileKind::quadlet:
      return {parse_quadlet(content, shown, name), {}};
    case FileKind::compose: {
      ComposeReading reading = parse_compose_file(content, shown);
      return {std::move(reading.declarations), std::move(reading.error)};
    }
    case FileKind::supervisor:
      return {parse_supervisor_conf(content, shown).declarations, {}};
    case FileKind::nginx:
      return {parse_nginx_conf(content, shown).declarations, {}};
    case FileKind::redis:
      return {parse_redis_conf(content, shown), {}};
    case FileKind::postgresql:
      return {parse_postgresql_conf(content, shown, postgresql_name(shown)), {}};
    case FileKind::env:
      return {parse_env_file(content, shown, name), {}};
    case FileKind::unknown:
      break;
  }
  return {};
}

std::vector<std::string> glob_under(const std::string& root, const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob((root + pattern).c_str(), 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      const std::string match = g.gl_pathv[i];
      if (match.size() >= root.size()) out.push_back(match.substr(root.size()));
    }
  }
  ::globfree(&g);
  return out;
}

}  // namespace bindtrace
