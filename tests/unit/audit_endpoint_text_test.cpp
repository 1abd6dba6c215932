// Ports and addresses in command lines and settings.
#include <gtest/gtest.h>

#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/publish_spec.hpp"

namespace bindtrace {
namespace {

using Endpoints = std::vector<TextEndpoint>;

TEST(AuditEndpointText, ParsesTheWrittenForms) {
  EXPECT_EQ(parse_text_endpoint("8001"), (TextEndpoint{"", 8001}));
  EXPECT_EQ(parse_text_endpoint(":8001"), (TextEndpoint{"", 8001}));
  EXPECT_EQ(parse_text_endpoint("0.0.0.0:8001"), (TextEndpoint{"0.0.0.0", 8001}));
  EXPECT_EQ(parse_text_endpoint("[::]:8001"), (TextEndpoint{"::", 8001}));
  EXPECT_EQ(parse_text_endpoint("localhost:3000"), (TextEndpoint{"127.0.0.1", 3000}));
  EXPECT_EQ(parse_text_endpoint("/run/app.sock"), std::nullopt);
  EXPECT_EQ(parse_text_endpoint("http://example.org:80/"), std::nullopt);
  EXPECT_EQ(parse_text_endpoint("app:app"), std::nullopt);
  EXPECT_EQ(parse_text_endpoint("70000"), std::nullopt);
}

TEST(AuditEndpointText, FindsThePortsOfCommonServers) {
  EXPECT_EQ(ports_from_command("/usr/bin/python3 -m http.server 8001"), (Endpoints{{"", 8001}}));
  EXPECT_EQ(ports_from_command("python3 -m http.server --bind 127.0.0.1 8001"),
            (Endpoints{{"127.0.0.1", 8001}}));
  EXPECT_EQ(ports_from_command("uvicorn app:app --host 0.0.0.0 --port 8000"), (Endpoints{{"0.0.0.0", 8000}}));
  EXPECT_EQ(ports_from_command("gunicorn -b 127.0.0.1:9000 app:app"), (Endpoints{{"127.0.0.1", 9000}}));
  EXPECT_EQ(ports_from_command("gunicorn --bind=[::]:9000 app:app"), (Endpoints{{"::", 9000}}));
  EXPECT_EQ(ports_from_command("flask run --port=5000"), (Endpoints{{"", 5000}}));
  EXPECT_EQ(ports_from_command("bin/rails server -p 3000"), (Endpoints{{"", 3000}}));
  EXPECT_EQ(ports_from_command("php -S localhost:8080 -t public"), (Endpoints{{"127.0.0.1", 8080}}));
  EXPECT_EQ(ports_from_command("exporter --listen :9100"), (Endpoints{{"", 9100}}));
  EXPECT_EQ(ports_from_command("node server.js"), Endpoints{});
  EXPECT_EQ(ports_from_command("worker --db localhost:5432 --redis=redis:6379"), Endpoints{});
  EXPECT_EQ(ports_from_command("hugo server --verbose 0.0.0.0:1313"), Endpoints{});
  EXPECT_EQ(ports_from_command("curl http://localhost:80/health"), Endpoints{});
}

TEST(AuditEndpointText, ProgramIdentityDropsPathAndExecPrefixes) {
  EXPECT_EQ(program_identity("-/usr/bin/python3 -m http.server 8001"), "python3 -m http.server 8001");
  EXPECT_EQ(program_identity("python3  -m   http.server 8001"), "python3 -m http.server 8001");
  EXPECT_EQ(program_identity(""), "");
}

TEST(AuditPublishSpec, ReadsTheHostSide) {
  const auto plain = parse_publish_spec("6333:6333");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->address, "");
  EXPECT_EQ(plain->first, 6333);
  EXPECT_EQ(plain->last, 6333);
  const auto udp = parse_publish_spec("127.0.0.1:5353:53/udp");
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->address, "127.0.0.1");
  EXPECT_EQ(udp->proto, Proto::udp);
  const auto range = parse_publish_spec("8000-8002:8000-8002");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 8000);
  EXPECT_EQ(range->last, 8002);
  const auto v6 = parse_publish_spec("[::1]:8080:80");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(parse_publish_spec("80"), std::nullopt);
  EXPECT_EQ(parse_publish_spec("127.0.0.1::80"), std::nullopt);
  EXPECT_EQ(parse_publish_spec("80:80/sctp"), std::nullopt);
}

}  // namespace
}  // namespace bindtrace
