// Token files and inline tokens: scopes, comments, and what is refused.
#include "services/auth.h"

#include <fstream>

#include "gtest/gtest.h"

namespace sluice {
namespace {

TEST(Tokens, FromAFileAndInline) {
  const std::string path = ::testing::TempDir() + "/tokens";
  std::ofstream(path) << "# operators\nadmin  a-long-admin-token\n\ndata\tapp-token\n";
  auto tokens = Tokens::Load(path, "data:other-app");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_TRUE(tokens->enabled());
  EXPECT_FALSE(Tokens::Load("", "")->enabled());
}

TEST(Tokens, MistakesAreRefused) {
  const std::string path = ::testing::TempDir() + "/bad_tokens";
  std::ofstream(path) << "root token\n";
  EXPECT_EQ(Tokens::Load(path, "").status().message(), path + ":1: unknown scope `root` (data or admin)");
  EXPECT_EQ(Tokens::Load("", "admin:").status().message(), "tokens: an empty token");
  EXPECT_EQ(Tokens::Load("", "just-a-token").status().message(), "tokens: expected SCOPE:TOKEN entries");
  EXPECT_FALSE(Tokens::Load("/nonexistent/tokens", "").ok());
}

}  // namespace
}  // namespace sluice
