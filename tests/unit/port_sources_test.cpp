// Port arguments and the ports that .env and docker-compose files publish.
#include <gtest/gtest.h>

#include "bindtrace/errors.hpp"
#include "bindtrace/cli/port_sources.hpp"

namespace bindtrace {
namespace {

std::vector<std::uint16_t> ports_of(const std::vector<PortSpec>& specs) {
  std::vector<std::uint16_t> out;
  for (const auto& s : specs) out.push_back(s.port);
  return out;
}

TEST(PortArg, PlainPortIsTcp) {
  const auto specs = parse_port_arg("who", "8001", false);
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].port, 8001);
  EXPECT_EQ(specs[0].proto, Proto::tcp);
}

TEST(PortArg, UdpSuffix) { EXPECT_EQ(parse_port_arg("who", "53/udp", false)[0].proto, Proto::udp); }

TEST(PortArg, RangeExpandsInclusively) {
  EXPECT_EQ(ports_of(parse_port_arg("check", "8000-8002", true)), (std::vector<std::uint16_t>{8000, 8001, 8002}));
}

TEST(PortArg, RangeRefusedWhereOnlyPortsMakeSense) {
  EXPECT_THROW((void)parse_port_arg("who", "8000-8002", false), UsageError);
}

TEST(PortArg, GarbageIsAUsageErrorNamingTheOption) {
  for (const char* bad : {"", "x", "70000", "80/sctp", "9-1", "-5", "80/"}) {
    try {
      (void)parse_port_arg("check", bad, true);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("check: ", 0), 0u) << e.what();
    }
  }
}

TEST(EnvFile, PortKeysAreFound) {
  const auto specs = ports_from_env("# comment\nAPI_PORT=8001\nexport DB_PORT=\"5432\"\nNAME=x\nOTHER_PORTS=1\n", ".env");
  EXPECT_EQ(ports_of(specs), (std::vector<std::uint16_t>{8001, 5432}));
  EXPECT_EQ(specs[0].origin, ".env:2 API_PORT");
}

TEST(EnvFile, NonNumericValuesAreSkipped) { EXPECT_TRUE(ports_from_env("WEB_PORT=${PORT}\n", ".env").empty()); }

TEST(ComposeFile, ShortSyntaxPublishesTheHostPort) {
  const std::string compose =
      "services:\n"
      "  web:\n"
      "    image: nginx\n"
      "    ports:\n"
      "      - \"8080:80\"\n"
      "      - 127.0.0.1:8443:443\n"
      "      - \"5353:53/udp\"\n"
      "      - 9000\n"
      "    environment:\n"
      "      - A=1:2\n";
  const auto specs = ports_from_compose(compose, "compose.yml");
  ASSERT_EQ(ports_of(specs), (std::vector<std::uint16_t>{8080, 8443, 5353}));
  EXPECT_EQ(specs[2].proto, Proto::udp);
  EXPECT_EQ(specs[0].origin, "compose.yml:5");
}

TEST(ComposeFile, RangesAreExpanded) {
  EXPECT_EQ(ports_of(ports_from_compose("services:\n  a:\n    ports:\n      - \"7000-7001:7000-7001\"\n", "c")),
            (std::vector<std::uint16_t>{7000, 7001}));
}

TEST(ComposeFile, LongSyntaxWithProtocolInAnyOrder) {
  const std::string compose =
      "services:\n"
      "  dns:\n"
      "    ports:\n"
      "      - target: 53\n"
      "        protocol: udp\n"
      "        published: 1053\n"
      "      - published: \"8081\"\n"
      "        target: 80\n";
  const auto specs = ports_from_compose(compose, "c");
  ASSERT_EQ(ports_of(specs), (std::vector<std::uint16_t>{1053, 8081}));
  EXPECT_EQ(specs[0].proto, Proto::udp);
  EXPECT_EQ(specs[1].proto, Proto::tcp);
}

TEST(ComposeFile, PortsOfSeveralServices) {
  const std::string compose =
      "services:\n  a:\n    ports:\n      - 8001:80\n  b:\n    image: x\n    ports:\n      - 8002:80\n";
  EXPECT_EQ(ports_of(ports_from_compose(compose, "c")), (std::vector<std::uint16_t>{8001, 8002}));
}

TEST(ComposeFile, InvalidYamlIsAUsageErrorNamingTheLine) {
  try {
    (void)ports_from_compose("services:\n  a:\n    ports: [\"1:1\"\n", "c.yml");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--from: 'c.yml' is not valid YAML: line ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace bindtrace
