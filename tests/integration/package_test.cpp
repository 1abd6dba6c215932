// The .deb as an operator gets it: cpack builds it from this build tree,
// dpkg-deb shows what is inside and what it depends on, and dpkg installs it
// for real, runs the installed binary and purges it again. Needs root; it
// changes the machine (briefly), so it refuses to touch a bindtrace that was
// there before.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::free_port;
using testing::read_file;
using testing::TempDir;
using testing::testprog;
using testing::under_ci;
namespace fs = std::filesystem;

struct Ran {
  int status = -1;
  std::string out;  // stdout, then stderr
};

// Runs argv to completion, within one deadline shorter than the test's own
// timeout (cpack and dpkg can be silent for a while: strip, dpkg-shlibdeps).
// A last line without a newline is lost (Child reads lines), so formats given
// here end in one.
Ran run(const std::vector<std::string>& argv, std::chrono::seconds deadline = 90s) {
  Child child(argv);
  Ran ran;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (auto line = child.read_line(
             std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now())))
    ran.out += *line + "\n";
  ran.status = child.wait(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max(until - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(1s))));
  ran.out += child.drain_stderr();
  return ran;
}

bool package_installed() {
  const Ran q = run({"dpkg-query", "-W", "-f=${Status}\n", "bindtrace"});
  return q.status == 0 && q.out.find("install ok installed") != std::string::npos;
}

// What would make installing and purging the package destroy something that
// was not this test's.
std::optional<std::string> machine_not_clean() {
  if (package_installed()) return "the bindtrace package is installed already";
  for (const char* path : {"/usr/sbin/bindtrace", "/etc/bindtrace", "/sys/fs/bpf/bindtrace"})
    if (fs::exists(path))
      return std::string(path) + " exists (removing the package would remove or unpin it)";
  return std::nullopt;
}

// The build tree: BINDTRACE_BINARY is <build>/user/bindtrace.
fs::path build_dir() {
  return fs::path(BINDTRACE_BINARY).parent_path().parent_path();
}

std::string project_version() {
  const Ran v = run({BINDTRACE_BINARY, "--version"});
  const std::string prefix = "bindtrace ";
  if (v.status != 0 || v.out.rfind(prefix, 0) != 0) return {};
  return v.out.substr(prefix.size(), v.out.find('\n') - prefix.size());
}

std::string dpkg_architecture() {
  const std::string arch = run({"dpkg", "--print-architecture"}).out;
  return arch.substr(0, arch.find('\n'));
}

// A file entry of `dpkg-deb -c`: "-rwxr-xr-x root/root 123 2026-11-22 01:16 ./usr/sbin/bindtrace".
struct DebEntry {
  std::string mode, path;
};

std::vector<DebEntry> files_in(const std::string& listing) {
  std::vector<DebEntry> files;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '-') continue;  // directories and links
    const auto dot = line.find(" ./");
    if (dot == std::string::npos) continue;
    files.push_back({line.substr(0, 10), line.substr(dot + 3)});
  }
  return files;
}

// Purges the package on every way out of the test, so a failure in the
// middle never leaves it installed.
class InstalledPackage {
 public:
  ~InstalledPackage() {
    if (installed_) run({"dpkg", "--purge", "bindtrace"});
  }
  Ran install(const std::string& deb) {
    installed_ = true;
    // Never prompt about the conffile (stdin is /dev/null).
    return run({"dpkg", "--force-confdef", "--force-confold", "-i", deb});
  }
  Ran purge() {
    installed_ = false;
    return run({"dpkg", "--purge", "bindtrace"});
  }

 private:
  bool installed_ = false;
};

TEST(PackageTest, DebBuildsInstallsRunsAndPurges) {
  // Installing a package needs root; outside CI a developer's machine is not
  // changed without it, under CI it must run.
  if (::geteuid() != 0) {
    if (under_ci()) FAIL() << "CI is set, but not root: dpkg -i needs root";
    GTEST_SKIP() << "not root: dpkg -i needs root";
  }
  if (under_ci() && package_installed()) {
    // A CI run killed in the middle of this test left it behind.
    run({"dpkg", "--purge", "bindtrace"});
  }
  if (auto why = machine_not_clean()) {
    if (under_ci()) FAIL() << "CI is set, but " << *why;
    GTEST_SKIP() << *why;
  }
  const std::string version = project_version();
  ASSERT_FALSE(version.empty()) << "bindtrace --version did not answer";
  ASSERT_TRUE(fs::exists(build_dir() / "CPackConfig.cmake")) << build_dir() << " has no CPackConfig.cmake";

  // 1. cpack builds the .deb from the build tree.
  TempDir out("deb");
  const Ran cpack =
      run({"cpack", "-G", "DEB", "--config", (build_dir() / "CPackConfig.cmake").string(), "-B", out.path()});
  ASSERT_EQ(cpack.status, 0) << cpack.out;
  const std::string deb = out.path() + "/bindtrace_" + version + "_" + dpkg_architecture() + ".deb";
  ASSERT_TRUE(fs::exists(deb)) << "no " << deb << " after:\n" << cpack.out;

  // 2. What is inside: the named files, and nothing else; one executable.
  const Ran listing = run({"dpkg-deb", "-c", deb});
  ASSERT_EQ(listing.status, 0) << listing.out;
  std::set<std::string> paths;
  for (const DebEntry& f : files_in(listing.out)) {
    paths.insert(f.path);
    const bool allowed = f.path == "usr/sbin/bindtrace" || f.path.rfind("usr/share/doc/bindtrace/", 0) == 0 ||
                         f.path.rfind("etc/bindtrace/", 0) == 0;
    const bool named = f.path == "usr/share/man/man8/bindtrace.8" || f.path == "usr/lib/bindtrace/bindtrace-http.so" ||
                       f.path == "usr/share/bash-completion/completions/bindtrace" ||
                       f.path == "usr/lib/systemd/system/bindtrace.service";
    EXPECT_TRUE(allowed || named) << "unexpected file in the package: " << f.path;
    if (f.path != "usr/sbin/bindtrace") {
      EXPECT_EQ(f.mode.find('x'), std::string::npos) << "executable besides bindtrace: " << f.path;
    }
  }
  for (const char* want :
       {"usr/sbin/bindtrace", "usr/share/man/man8/bindtrace.8", "usr/lib/bindtrace/bindtrace-http.so",
        "usr/share/bash-completion/completions/bindtrace", "usr/lib/systemd/system/bindtrace.service",
        "usr/share/doc/bindtrace/operations.md"})
    EXPECT_TRUE(paths.count(want)) << want << " is missing from the package:\n" << listing.out;
  const bool has_example_config = fs::exists(std::string(BINDTRACE_SOURCE_DIR) + "/deploy/bindtrace.toml");
  if (has_example_config) {
    EXPECT_TRUE(paths.count("etc/bindtrace/bindtrace.toml")) << listing.out;
    const Ran conffiles = run({"dpkg-deb", "-I", deb, "conffiles"});
    EXPECT_EQ(conffiles.out, "/etc/bindtrace/bindtrace.toml\n");
  }

  // 3. The control fields: Depends comes from the binary's real libraries.
  const Ran fields = run({"dpkg-deb", "-f", deb, "Package", "Version", "Section", "Depends"});
  ASSERT_EQ(fields.status, 0) << fields.out;
  EXPECT_NE(fields.out.find("Package: bindtrace\n"), std::string::npos) << fields.out;
  EXPECT_NE(fields.out.find("Version: " + version + "\n"), std::string::npos) << fields.out;
  EXPECT_NE(fields.out.find("Section: admin\n"), std::string::npos) << fields.out;
  EXPECT_NE(fields.out.find("libbpf1"), std::string::npos) << fields.out;
  EXPECT_NE(fields.out.find("libc6"), std::string::npos) << fields.out;

  // 4. Installed for real, the binary runs with the libraries the package
  // depends on, and finds who holds a port.
  InstalledPackage package;
  const Ran install = package.install(deb);
  ASSERT_EQ(install.status, 0) << install.out;
  ASSERT_TRUE(package_installed()) << install.out;

  const Ran installed_version = run({"/usr/sbin/bindtrace", "--version"});
  EXPECT_EQ(installed_version.status, 0);
  EXPECT_EQ(installed_version.out, "bindtrace " + version + "\n");

  const auto port = free_port();
  Child holder({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold", "listen"},
               Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(holder.expect_line("ready")) << holder.drain_stderr();
  const Ran who = run({"/usr/sbin/bindtrace", "who", std::to_string(port) + "/tcp", "--json"});
  EXPECT_EQ(who.status, 0) << who.out;  // 0: held
  const auto first = who.out.substr(0, who.out.find('\n'));
  const auto answer = nlohmann::json::parse(first, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(answer.is_object()) << who.out;
  EXPECT_EQ(answer["port"], port);
  EXPECT_EQ(answer["held"], true);
  bool holder_named = false;
  for (const auto& h : answer["owner"]["holders"]) holder_named |= h.value("pid", 0) == holder.pid();
  EXPECT_TRUE(holder_named) << who.out;
  holder.close_stdin();
  holder.wait();

  // The unit runs the installed binary; the man page and completion are
  // where man and bash-completion look.
  const std::string unit = read_file("/usr/lib/systemd/system/bindtrace.service");
  EXPECT_NE(unit.find("\nExecStart=/usr/sbin/bindtrace agent --config /etc/bindtrace/bindtrace.toml\n"),
            std::string::npos)
      << unit;
  const Ran man = run({"man", "-w", "8", "bindtrace"});
  EXPECT_EQ(man.out, "/usr/share/man/man8/bindtrace.8\n");
  // _completion_loader returns 124 ("retry") when it loaded one, hence ';'.
  const Ran completion = run({"bash", "-c",
                              "source /usr/share/bash-completion/bash_completion; _completion_loader bindtrace; "
                              "complete -p bindtrace"});
  EXPECT_NE(completion.out.find("-F _bindtrace"), std::string::npos) << completion.out;
  if (has_example_config) {
    struct stat st {};
    ASSERT_EQ(::stat("/etc/bindtrace/bindtrace.toml", &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
  }

  // 5. Purged: nothing of it is left.
  const Ran purge = package.purge();
  EXPECT_EQ(purge.status, 0) << purge.out;
  EXPECT_FALSE(package_installed());
  for (const char* path : {"/usr/sbin/bindtrace", "/etc/bindtrace",
                           "/usr/lib/systemd/system/bindtrace.service", "/usr/share/doc/bindtrace"})
    EXPECT_FALSE(fs::exists(path)) << path << " is left after dpkg --purge";
}

}  // namespace
}  // namespace bindtrace
