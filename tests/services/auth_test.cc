// Token files and inline tokens: scopes, comments, and what is refused.
#include "services/auth.h"

#include <fstream>

#include "gtest/gtest.h"

namespace sluice {
namespace {

TEST(Tokens, FromAFileAndInline) {
  const std::string path = ::testing::TempDir() + "/tokens";
  std::ofstream(path) << "# operators\nadmin  a-long-admin-token\n\ndata\tapp-token\ndata@app_user end-user-token\n";
  auto tokens = Tokens::Load(path, "data:other-app,data@reader_1:a:token:with:colons");
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
  // Roles: letters, digits and `_`, after a known scope.
  EXPECT_EQ(Tokens::Load("", "data@:t").status().message(),
            "tokens: `` is not a role name (1 to 63 letters, digits or `_`)");
  EXPECT_EQ(Tokens::Load("", "data@app-user:t").status().message(),
            "tokens: `app-user` is not a role name (1 to 63 letters, digits or `_`)");
  EXPECT_EQ(Tokens::Load("", "dta@app:t").status().message(), "tokens: unknown scope `dta` (data or admin)");
}

}  // namespace
}  // namespace sluice
