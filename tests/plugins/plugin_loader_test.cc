// The loader refuses each deliberately broken plugin with its own message, and serves the rest.
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/dialect_plugin.h"
#include "plugins/plugin_registry.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Plugin(const std::string& name) { return "tests/plugins/lib" + name + ".so"; }

std::string Refusal(const std::string& name) {
  auto plugin = DialectPlugin::Load(Plugin(name));
  EXPECT_FALSE(plugin.ok()) << name << " was loaded";
  if (plugin.ok()) return "";
  EXPECT_EQ(plugin.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(plugin.status().message()), HasSubstr(Plugin(name)));  // names the file
  return std::string(plugin.status().message());
}

TEST(PluginLoader, LoadsThePlainCPlugin) {
  auto plugin = DialectPlugin::Load(Plugin("minimal"));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_EQ((*plugin)->name(), "minimal");
  EXPECT_EQ((*plugin)->version(), "1.2.3");
  EXPECT_EQ((*plugin)->abi_major(), SLUICE_DIALECT_ABI_MAJOR);
  EXPECT_EQ((*plugin)->abi_minor(), SLUICE_DIALECT_ABI_MINOR);
  EXPECT_THAT((*plugin)->url_schemes(), ::testing::ElementsAre("minimal"));
  // Its operations answer with the plugin's own error, converted to a status.
  sluice::plan::Plan plan;
  auto compiled = (*plugin)->Compile(plan);
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(compiled.status().message(), "the minimal plugin runs no SQL");
}

TEST(PluginLoader, LoadsAPluginBuiltForAnOlderMinorVersion) {
  auto plugin = DialectPlugin::Load(Plugin("older_minor"));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_EQ((*plugin)->abi_minor(), 0);
}

TEST(PluginLoader, RefusesAFileThatDoesNotOpen) {
  EXPECT_THAT(Refusal("does_not_exist"), HasSubstr("cannot be opened: no such file"));
}

TEST(PluginLoader, RefusesAFileThatIsNotASharedLibraryInTheLoadersWords) {
  const std::string path = ::testing::TempDir() + "/libnot_a_library.so";
  std::ofstream(path) << "#!/bin/sh\n" << std::string(200, '#') << "\necho not a plugin\n";
  auto plugin = DialectPlugin::Load(path);
  ASSERT_FALSE(plugin.ok());
  EXPECT_EQ(plugin.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(plugin.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(plugin.status().message()), HasSubstr("is not a loadable shared library"));
  EXPECT_THAT(std::string(plugin.status().message()), HasSubstr("invalid ELF header"));
}

TEST(PluginLoader, RefusesAPluginWithoutEntryPoint) {
  EXPECT_THAT(Refusal("broken_no_entry"), HasSubstr("exports no entry point `sluice_dialect_entry`"));
}

TEST(PluginLoader, RefusesANullTable) {
  EXPECT_THAT(Refusal("broken_null_table"), HasSubstr("returned no function table from its entry point"));
}

TEST(PluginLoader, RefusesATableTooShort) {
  EXPECT_THAT(Refusal("broken_short_table"),
              HasSubstr("has a function table too short (24 bytes; dialect ABI 1.0 needs at least 176)"));
}

TEST(PluginLoader, RefusesAnotherMajorVersionNamingBothVersions) {
  EXPECT_THAT(
      Refusal("broken_major"),
      HasSubstr(absl::StrCat(Plugin("broken_major"), " was built for dialect ABI 2.", SLUICE_DIALECT_ABI_MINOR,
                             "; this server speaks 1.", SLUICE_DIALECT_ABI_MINOR, " (the major version must match)")));
}

TEST(PluginLoader, RefusesANewerMinorVersion) {
  EXPECT_THAT(
      Refusal("broken_minor"),
      HasSubstr(absl::StrCat("was built for dialect ABI 1.", SLUICE_DIALECT_ABI_MINOR + 1, "; this server speaks 1.",
                             SLUICE_DIALECT_ABI_MINOR, " (a newer minor version needs a newer server)")));
}

TEST(PluginLoader, RefusesAMissingRequiredFunction) {
  EXPECT_THAT(Refusal("broken_missing_function"), HasSubstr("lacks the required function `bind`"));
}

TEST(PluginRegistry, ServesTheGoodPluginsAndRecordsTheRefusedOnes) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "plugin_dir";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* name : {"minimal", "broken_major", "broken_missing_function"}) {
    fs::copy_file(Plugin(name), dir / ("lib" + std::string(name) + ".so"));
  }
  std::ofstream(dir / "README.txt") << "not a plugin";  // ignored: not *.so
  auto registry = PluginRegistry::LoadDirectory(dir.string());
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_EQ(registry->plugins().size(), 1u);
  EXPECT_EQ(registry->plugins()[0]->name(), "minimal");
  ASSERT_EQ(registry->refused().size(), 2u);
  EXPECT_THAT(registry->refused()[0].reason, HasSubstr(absl::StrCat("dialect ABI 2.", SLUICE_DIALECT_ABI_MINOR)));
  EXPECT_THAT(registry->refused()[1].reason, HasSubstr("lacks the required function `bind`"));
  EXPECT_TRUE(registry->ForScheme("minimal").ok());
  EXPECT_EQ(registry->ForScheme("postgres").status().code(), absl::StatusCode::kNotFound);
}

TEST(PluginRegistry, RefusesASecondPluginOfTheSameDialect) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "dup_dir";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(Plugin("minimal"), dir / "liba.so");
  fs::copy_file(Plugin("minimal"), dir / "libb.so");
  auto registry = PluginRegistry::LoadDirectory(dir.string());
  ASSERT_TRUE(registry.ok());
  ASSERT_EQ(registry->plugins().size(), 1u);
  ASSERT_EQ(registry->refused().size(), 1u);
  EXPECT_THAT(registry->refused()[0].reason, HasSubstr("serves dialect `minimal`, already served by"));
}

TEST(PluginRegistry, PluginsNoDatabaseUsesLoadLater) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "later_dir";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* name : {"sqlite", "postgres"}) {
    const std::string file = absl::StrCat("libsluice_", name, ".so");
    fs::copy_file("lib/plugins/" + file, dir / file);
  }
  fs::copy_file(Plugin("broken_major"), dir / "libbroken_major.so");
  fs::copy_file(Plugin("minimal"), dir / "libminimal.so");
  std::vector<std::string> seen;
  auto record = [&seen](const DialectPlugin* plugin, const RefusedPlugin* refused) {
    seen.push_back(plugin != nullptr ? plugin->name() : "refused " + fs::path(refused->path).filename().string());
  };

  // The databases use SQLite: its plugin loads first (though last in name order), the rest later.
  auto registry = PluginRegistry::LoadDirectory(dir.string(), {"sqlite"}, record);
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->Pending(), 3u);
  EXPECT_THAT(seen, ElementsAre("sqlite"));
  EXPECT_TRUE(registry->ForScheme("sqlite").ok());
  EXPECT_EQ(registry->Pending(), 3u);
  // A scheme it does not serve yet loads the rest, in name order, and each is reported.
  auto postgres = registry->ForScheme("postgresql");
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  EXPECT_EQ((*postgres)->name(), "postgres");
  EXPECT_EQ(registry->Pending(), 0u);
  EXPECT_THAT(seen, ElementsAre("sqlite", "refused libbroken_major.so", "minimal", "postgres"));
  ASSERT_EQ(registry->plugins().size(), 3u);
  EXPECT_EQ(registry->plugins()[0]->name(), "minimal");  // listed by name, not in load order
  EXPECT_EQ(registry->plugins()[2]->name(), "sqlite");
  ASSERT_EQ(registry->refused().size(), 1u);

  // The list of plugins and refusals is never partial: asking for it loads the rest first.
  registry = PluginRegistry::LoadDirectory(dir.string(), {"sqlite"});
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->Pending(), 3u);
  EXPECT_EQ(registry->refused().size(), 1u);
  EXPECT_EQ(registry->plugins().size(), 3u);
  registry->LoadRest();  // nothing left: no second load
  EXPECT_EQ(registry->plugins().size(), 3u);

  // A scheme no file is named for (MariaDB's `mariadb`; or none at all): everything loads now.
  for (const std::vector<std::string>& schemes : {std::vector<std::string>{"sqlite", "mariadb"}, {}}) {
    registry = PluginRegistry::LoadDirectory(dir.string(), schemes);
    ASSERT_TRUE(registry.ok());
    EXPECT_EQ(registry->Pending(), 0u);
  }
}

TEST(PluginRegistry, FailsOnAMissingDirectory) {
  auto registry = PluginRegistry::LoadDirectory("/nonexistent/plugins");
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace sluice
