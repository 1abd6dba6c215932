// The names ManagerKind and DiagnosisCode are written as: the exact strings of
// the JSON contract (docs/events.md), one per value, and their parsers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bindtrace/attribute.hpp"
#include "bindtrace/diagnose/diagnosis.hpp"

namespace bindtrace {
namespace {

// The name of every value from the first to `last`, in the enum's order.
template <typename Enum, typename NameOf>
std::vector<std::string> names_up_to(Enum last, NameOf name_of) {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(last); ++i) names.emplace_back(name_of(static_cast<Enum>(i)));
  return names;
}

// Each name parses back to the value it names.
template <typename Enum, typename NameOf, typename Parse>
void expect_round_trip(Enum last, NameOf name_of, Parse parse) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    const auto value = static_cast<Enum>(i);
    EXPECT_EQ(parse(name_of(value)), value) << name_of(value);
  }
}

TEST(ManagerKindNames, EachKindHasItsContractName) {
  EXPECT_EQ(names_up_to(ManagerKind::adhoc, manager_name),
            (std::vector<std::string>{"none", "systemd", "supervisor", "docker", "containerd", "cri-o",
                                      "podman", "kubernetes", "lxc", "pm2", "runit", "s6", "openrc", "tmux",
                                      "screen", "adhoc"}));
}

TEST(ManagerKindNames, EachNameParsesBack) {
  expect_round_trip(ManagerKind::adhoc, manager_name, parse_manager);
  for (const char* text : {"", "Docker", "cri_o", "crio", "systemd ", "unknown"})
    EXPECT_EQ(parse_manager(text), std::nullopt) << text;
}

TEST(ManagerKindNames, ContainerManagersAreTheContainerEngines) {
  std::vector<std::string> containers;
  for (int i = 0; i <= static_cast<int>(ManagerKind::adhoc); ++i)
    if (is_container_manager(static_cast<ManagerKind>(i)))
      containers.emplace_back(manager_name(static_cast<ManagerKind>(i)));
  EXPECT_EQ(containers,
            (std::vector<std::string>{"docker", "containerd", "cri-o", "podman", "kubernetes", "lxc"}));
}

TEST(DiagnosisCodeNames, EachCodeHasItsContractName) {
  EXPECT_EQ(names_up_to(DiagnosisCode::second_instance, diagnosis_code_name),
            (std::vector<std::string>{"unknown", "duplicate_manager", "stale_instance", "system_vs_user",
                                      "foreign_service", "container_port", "socket_activation", "time_wait",
                                      "reuseport_mismatch", "listen_conflict", "privileged_port",
                                      "address_not_available", "second_instance"}));
}

TEST(DiagnosisCodeNames, EachNameParsesBack) {
  expect_round_trip(DiagnosisCode::second_instance, diagnosis_code_name, parse_diagnosis_code);
  for (const char* text : {"", "TIME_WAIT", "time-wait", "none"})
    EXPECT_EQ(parse_diagnosis_code(text), std::nullopt) << text;
}

TEST(TypedNames, FailureMessagesPrintTheName) {
  EXPECT_EQ(::testing::PrintToString(ManagerKind::cri_o), "cri-o");
  EXPECT_EQ(::testing::PrintToString(DiagnosisCode::time_wait), "time_wait");
}

TEST(TypedNames, ADefaultServiceAndDiagnosisAreNoneAndUnknown) {
  EXPECT_EQ(Service{}.manager, ManagerKind::none);
  EXPECT_EQ(Diagnosis{}.code, DiagnosisCode::unknown);
}

}  // namespace
}  // namespace bindtrace
